//! The network code of `probe serve` and `probe run`, the only place that
//! opens sockets: plain `std::net` and `socket2` (for SCTP, dual-stack
//! binds), one thread per listening socket and a small pool of threads for
//! the checks. What an observation means is `crate::probe::outcome`.

mod attempt;
mod runner;
mod serve;

pub use attempt::attempt;
pub use runner::{Tuning, run};
pub use serve::{Listening, bind};
