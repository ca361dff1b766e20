#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netpolgen_fuzz::load::run(data));
