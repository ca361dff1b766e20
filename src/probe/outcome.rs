//! What a tried connection means: the observation, its verdict against
//! the expectation, and whether one more attempt could change it.
//!
//! A connection is *reached* only when the probe server's greeting (TCP,
//! SCTP) or echo (UDP) came back from the expected probe. Everything else
//! is *not reached*, each for its own reason; a destination that did not
//! resolve, or another server that answered, proves nothing either way.

use serde::{Deserialize, Serialize};

use super::Check;

/// What the policies decide for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Allowed,
    Denied,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Allowed => "allowed",
            Expect::Denied => "denied",
        }
    }
}

/// What one attempt saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observed {
    /// The expected probe's greeting or echo came back.
    Reached,
    /// Actively refused: a TCP reset to the SYN, ICMP port unreachable.
    Refused,
    /// Nothing came back within the timeout.
    Timeout,
    /// Accepted, then reset or closed before the greeting.
    Reset,
    /// Accepted, then nothing within the timeout.
    Silent,
    /// ICMP host or network unreachable (some policy engines reject so).
    Unreachable,
    /// A server answered that is not the expected probe.
    WrongPeer,
    /// The destination's name did not resolve before the deadline.
    Unresolved,
    /// This host cannot open a socket of the protocol (SCTP without the
    /// kernel module).
    Unsupported,
    /// Any other local failure.
    Error,
}

impl Observed {
    pub fn as_str(self) -> &'static str {
        match self {
            Observed::Reached => "reached",
            Observed::Refused => "refused",
            Observed::Timeout => "timeout",
            Observed::Reset => "reset",
            Observed::Silent => "silent",
            Observed::Unreachable => "unreachable",
            Observed::WrongPeer => "wrong-peer",
            Observed::Unresolved => "unresolved",
            Observed::Unsupported => "unsupported",
            Observed::Error => "error",
        }
    }

    /// True for the outcomes in which the path is blocked.
    fn blocked(self) -> bool {
        matches!(
            self,
            Observed::Refused
                | Observed::Timeout
                | Observed::Reset
                | Observed::Silent
                | Observed::Unreachable
        )
    }
}

/// The observation against the expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Allowed and reached, or denied and blocked.
    Agrees,
    /// Allowed and blocked, or denied and reached.
    Surprise,
    /// Nothing was learnt: unresolved, another server, a local error.
    Inconclusive,
    /// Not tried: the protocol is not available here.
    Skipped,
}

impl Verdict {
    pub fn of(expect: Expect, observed: Observed) -> Verdict {
        match (expect, observed) {
            (_, Observed::Unsupported) => Verdict::Skipped,
            (_, Observed::WrongPeer | Observed::Unresolved | Observed::Error) => {
                Verdict::Inconclusive
            }
            (Expect::Allowed, Observed::Reached) => Verdict::Agrees,
            (Expect::Denied, o) if o.blocked() => Verdict::Agrees,
            _ => Verdict::Surprise,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agrees => "agrees",
            Verdict::Surprise => "surprise",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Skipped => "skipped",
        }
    }
}

/// Whether to try a connection once more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Done,
    Retry,
}

/// After `attempts` attempts, the last of which saw `observed`: try again?
///
/// - An allowed connection is retried until it is reached, for at least
///   `max_attempts` attempts and until the deadline (the server may still
///   be starting, the policy engine still programming the pod).
/// - A denied connection that got through is retried up to `max_attempts`
///   (enforcement may lag behind a new pod); a refusal is retried until
///   the deadline, because a server that has not started yet refuses too;
///   a timeout, reset or unreachable is final.
/// - Another server, or a local error, is retried up to `max_attempts`;
///   an unsupported protocol is never retried.
pub fn next(
    expect: Expect,
    observed: Observed,
    attempts: u32,
    max_attempts: u32,
    before_deadline: bool,
) -> Next {
    let more = attempts < max_attempts;
    let retry = match (expect, observed) {
        (_, Observed::Unsupported) => false,
        (_, Observed::Unresolved) => before_deadline,
        (Expect::Allowed, Observed::Reached) => false,
        (Expect::Allowed, Observed::WrongPeer | Observed::Error) => more,
        (Expect::Allowed, _) => more || before_deadline,
        (Expect::Denied, Observed::Refused) => before_deadline,
        (Expect::Denied, o) if o.blocked() => false,
        (Expect::Denied, _) => more,
    };
    if retry { Next::Retry } else { Next::Done }
}

/// The last attempt of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub observed: Observed,
    /// The address tried, when the name resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub attempts: u32,
    /// The system's words, or what answered instead of the probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One check with what was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    #[serde(flatten)]
    pub check: Check,
    #[serde(flatten)]
    pub observation: Observation,
    pub verdict: Verdict,
}

/// Verdict counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub checks: usize,
    pub agree: usize,
    pub surprises: usize,
    pub inconclusive: usize,
    pub skipped: usize,
}

/// Everything one `probe run` saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The source the run stood for (`--as`), or every source.
    pub source: Option<String>,
    pub rows: Vec<Row>,
    pub counts: Counts,
}

impl Report {
    /// The report of `checks` and their observations, in order.
    pub fn new(source: Option<String>, results: Vec<(Check, Observation)>) -> Report {
        let mut counts = Counts::default();
        let rows: Vec<Row> = results
            .into_iter()
            .map(|(check, observation)| {
                let verdict = Verdict::of(check.expect, observation.observed);
                counts.checks += 1;
                match verdict {
                    Verdict::Agrees => counts.agree += 1,
                    Verdict::Surprise => counts.surprises += 1,
                    Verdict::Inconclusive => counts.inconclusive += 1,
                    Verdict::Skipped => counts.skipped += 1,
                }
                Row {
                    check,
                    observation,
                    verdict,
                }
            })
            .collect();
        Report {
            source,
            rows,
            counts,
        }
    }

    /// True when every check that ran agreed (skipped checks aside).
    pub fn all_agree(&self) -> bool {
        self.counts.surprises == 0 && self.counts.inconclusive == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Expect::*;
    use Observed::*;

    #[test]
    fn verdicts() {
        let table = [
            (Allowed, Reached, Verdict::Agrees),
            (Allowed, Timeout, Verdict::Surprise),
            (Allowed, Refused, Verdict::Surprise),
            (Allowed, Reset, Verdict::Surprise),
            (Denied, Reached, Verdict::Surprise),
            (Denied, Timeout, Verdict::Agrees),
            (Denied, Refused, Verdict::Agrees),
            (Denied, Reset, Verdict::Agrees),
            (Denied, Silent, Verdict::Agrees),
            (Denied, Unreachable, Verdict::Agrees),
            (Denied, Unresolved, Verdict::Inconclusive),
            (Allowed, WrongPeer, Verdict::Inconclusive),
            (Denied, Unsupported, Verdict::Skipped),
        ];
        for (e, o, v) in table {
            assert_eq!(Verdict::of(e, o), v, "{e:?} {o:?}");
        }
    }

    #[test]
    fn retries() {
        // (expect, observed, attempts, before deadline) -> next, with 3 attempts at most
        let table = [
            (Allowed, Reached, 1, true, Next::Done),
            (Allowed, Timeout, 1, false, Next::Retry),
            (Allowed, Timeout, 3, true, Next::Retry),
            (Allowed, Timeout, 3, false, Next::Done),
            (Allowed, WrongPeer, 3, true, Next::Done),
            (Denied, Timeout, 1, true, Next::Done),
            (Denied, Refused, 5, true, Next::Retry),
            (Denied, Refused, 1, false, Next::Done),
            (Denied, Reached, 2, true, Next::Retry),
            (Denied, Reached, 3, true, Next::Done),
            (Denied, Unresolved, 0, true, Next::Retry),
            (Denied, Unresolved, 0, false, Next::Done),
            (Allowed, Unsupported, 1, true, Next::Done),
        ];
        for (e, o, n, before, want) in table {
            assert_eq!(next(e, o, n, 3, before), want, "{e:?} {o:?} {n} {before}");
        }
    }

    #[test]
    fn counts_and_agreement() {
        let check = |expect| Check {
            from: "a/x".into(),
            to: "a/y".into(),
            port: 80,
            protocol: crate::k8s::Protocol::TCP,
            expect,
        };
        let seen = |observed| Observation {
            observed,
            address: None,
            attempts: 1,
            detail: None,
        };
        let r = Report::new(
            None,
            vec![
                (check(Allowed), seen(Reached)),
                (check(Denied), seen(Timeout)),
                (check(Denied), seen(Unsupported)),
            ],
        );
        assert!(r.all_agree());
        assert_eq!((r.counts.agree, r.counts.skipped), (2, 1));
        let r = Report::new(None, vec![(check(Denied), seen(Reached))]);
        assert!(!r.all_agree());
        assert_eq!(r.counts.surprises, 1);
    }
}
