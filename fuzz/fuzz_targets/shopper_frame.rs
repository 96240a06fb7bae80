//! Any text a shopper's socket may receive: decoding never panics, and a frame that decodes
//! is one of the known types.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = shopchat::protocol::decode(text);
    }
});
