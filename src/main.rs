//! The `netpolgen` binary: run with the process's arguments and stdout,
//! then write stderr and exit with the outcome's status.

fn main() {
    netpolgen::cli::allocator::tune();
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
