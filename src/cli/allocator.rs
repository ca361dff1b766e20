//! The allocator's settings, made before the process starts a thread:
//! the binary's and the benchmarks' (which measure the same allocator).

/// mimalloc v3's `mi_option_purge_delay`: its place in `mi_option_e`
/// (mimalloc.h), for which the sys crate exports no constant.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory freed is given back to the system after 100 ms instead of a
/// second. A render's stages each run well under a second, on worker
/// threads that then end, so with the default their freed pages stay
/// resident beside the ones the next stage faults in: about 14 MiB of the
/// 2,000-service render's peak (93 -> 79 MiB). 10 ms saves 14 more but
/// costs the render about 15% in pages faulted in again. Call it first in `main`, before any
/// thread starts.
pub fn tune() {
    // SAFETY: mi_option_set is not thread-safe; it runs before any other
    // thread exists.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 100) }
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
