//! Wakes the runners when new work is committed: the SMTP sessions and the housekeeping wake the
//! queue runner and the outbound runner, which otherwise sleep. It sits below all of them so none
//! has to import another to share it.

use std::sync::Arc;

use tokio::sync::Notify;

/// One `Notify` per queue.
#[derive(Clone, Default)]
pub struct Wakers {
    pub inbound: Arc<Notify>,
    pub outbound: Arc<Notify>,
}
