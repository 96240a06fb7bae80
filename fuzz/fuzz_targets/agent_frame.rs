//! Any text an agent's socket may receive: decoding never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = shopchat::protocol::agent::decode(text);
    }
});
