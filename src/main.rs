//! The `netpolgen` binary: run with the process's arguments and stdout,
//! then write stderr and exit with the outcome's status.

fn main() {
    tune_allocator();
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let outcome = netpolgen::cli::run(std::env::args_os().collect(), &mut stdout);
    drop(stdout);
    eprint!("{}", outcome.stderr);
    std::process::exit(outcome.status.code());
}

// The render allocates many small, short-lived values (YAML nodes,
// selectors, label maps) on every core; mimalloc serves that pattern
// several times faster than the system allocator (glibc, or musl in the
// static image). Built without transparent huge pages (`no_thp`): for a
// process that lives well under a second, faulting in and compacting 2 MiB
// pages costs more system time than the TLB saves, and rounds each
// thread's heap up to 2 MiB of resident memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v3's `mi_option_purge_delay`: its place in `mi_option_e`
/// (mimalloc.h), for which the sys crate exports no constant.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed is given back to the system after 10 ms instead of a
/// second. A render's stages each run well under a second, on worker
/// threads that then end, so with the default their freed pages stay
/// resident beside the ones the next stage faults in: about 15 MiB of the
/// 2,000-service render's peak.
fn tune_allocator() {
    // SAFETY: mi_option_set is not thread-safe; this runs first in main,
    // before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 10) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_is_the_option_it_names() {
        // mimalloc v3's default purge delay is 1,000 ms; the options beside
        // it (eager commit delay, NUMA nodes) default to 1 and 0.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
    }
}
