//! The frame-length guard in front of the WebSocket parser: never panics, and its verdict
//! does not depend on how the bytes were cut into chunks by the network.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopchat::ws::frame_guard::FrameScanner;

fuzz_target!(|input: (u16, Vec<u8>)| {
    let (cut, bytes) = input;
    let limit = 1024;
    let whole = FrameScanner::new(limit).feed(&bytes);
    let mut chunked = FrameScanner::new(limit);
    let step = usize::from(cut % 97) + 1;
    let pieces = bytes
        .chunks(step)
        .map(|piece| chunked.feed(piece))
        .find(Result::is_err)
        .unwrap_or(Ok(()));
    assert_eq!(whole, pieces);
});
