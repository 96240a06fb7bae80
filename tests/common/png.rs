//! Real PNG files for the tests that send pictures (attachments, avatars): valid chunk by
//! chunk (lengths and CRCs), with real compressed image data any browser decodes.

use std::io::Write;

/// Appends one chunk (`kind` and `data`, with its length and CRC) to a PNG being built.
pub fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend(kind);
    out.extend(data);
    out.extend(crc.sum().to_be_bytes());
}

/// A `width` × `height` picture in one colour with a darker band across it (so a screenshot
/// shows it is a picture), and `text` chunks (`(keyword, value)`, where some tools write a
/// location) before the image data.
pub fn photo(width: u32, height: u32, rgb: [u8; 3], text: &[(&str, &str)]) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        let band = y > height / 3 && y < height / 2;
        for _ in 0..width {
            raw.extend(rgb.map(|c| if band { c / 2 } else { c }));
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    for (keyword, value) in text {
        chunk(&mut png, b"tEXt", format!("{keyword}\0{value}").as_bytes());
    }
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}
