//! The `netpolgen` binary: parse arguments, run, exit with the outcome's code.

fn main() {
    let outcome = netpolgen::cli::run(std::env::args().collect());
    std::process::exit(netpolgen::cli::emit(&outcome));
}
