//! The standards workflow (DESIGN.md §2–3, `shared/spec/workflow.md`): the draft states and the one
//! transition table, the chair command grammar, the position classifier and the tally. Everything
//! here is pure — data and `now` in, values out; the daemon's edges store and mail the results.

pub mod commands;
pub mod positions;
pub mod states;
pub mod tally;
