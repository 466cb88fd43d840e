//! The handlers an accepted post runs through, in order; one file per handler. Each adds to the
//! [`Delivery`] being built: header edits first, then the rendered message is archived and queued.

mod archive;
mod from_munging;
mod list_headers;
mod outbound;
mod subject_prefix;

use super::{Context, Delivery};

pub struct Handler {
    pub name: &'static str,
    pub run: fn(&Context<'_>, &mut Delivery),
}

pub const HANDLERS: &[Handler] = &[
    Handler {
        name: "list-headers",
        run: list_headers::run,
    },
    Handler {
        name: "subject-prefix",
        run: subject_prefix::run,
    },
    Handler {
        name: "from-munging",
        run: from_munging::run,
    },
    Handler {
        name: "archive",
        run: archive::run,
    },
    Handler {
        name: "outbound",
        run: outbound::run,
    },
];
