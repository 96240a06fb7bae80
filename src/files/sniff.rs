//! What an uploaded file really is, read from its first bytes (the sender's `Content-Type`
//! and file name are never trusted), and the metadata removed from images before they are
//! kept: EXIF (camera, time, GPS location), XMP and text chunks, without decoding the image.
//! No resizing: the dashboard and widget scale images themselves for thumbnails.

use bytes::Bytes;
use img_parts::{ImageEXIF, jpeg::Jpeg, png::Png, webp::WebP};

/// Why a file's bytes cannot be kept.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SniffError {
    /// The bytes claim an image type but do not parse as one, so their metadata cannot be
    /// removed; refused rather than kept with a location inside.
    #[error("the {0} file is damaged")]
    Damaged(&'static str),
}

/// The type the bytes are, as a MIME type; `application/octet-stream` when unknown.
pub fn sniff(bytes: &[u8]) -> &'static str {
    infer::get(bytes).map_or("application/octet-stream", |t| t.mime_type())
}

/// The bytes of a file of `content_type` (as sniffed) without their metadata; other types
/// come back as they are.
pub fn strip_metadata(content_type: &str, bytes: Bytes) -> Result<Bytes, SniffError> {
    match content_type {
        "image/jpeg" => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(|_| SniffError::Damaged("JPEG"))?;
            jpeg.set_exif(None);
            // APP1 also holds XMP, APP13 Photoshop's IPTC block; both may name a place.
            jpeg.segments_mut()
                .retain(|s| !matches!(s.marker(), 0xE1 | 0xED));
            Ok(jpeg.encoder().bytes())
        }
        "image/png" => {
            let mut png = Png::from_bytes(bytes).map_err(|_| SniffError::Damaged("PNG"))?;
            png.set_exif(None);
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"eXIf" | b"tEXt" | b"iTXt" | b"zTXt"));
            Ok(png.encoder().bytes())
        }
        "image/webp" => {
            let mut webp = WebP::from_bytes(bytes).map_err(|_| SniffError::Damaged("WebP"))?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(img_parts::webp::CHUNK_XMP);
            Ok(webp.encoder().bytes())
        }
        _ => Ok(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            sniff(b"MZ\x90\0\x03\0\0\0"),
            "application/vnd.microsoft.portable-executable"
        );
        assert_eq!(sniff(b"hello"), "application/octet-stream");
    }

    #[test]
    fn a_broken_image_is_refused_not_kept() {
        let cut = Bytes::from_static(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0");
        assert!(strip_metadata("image/png", cut).is_err());
        let cut = Bytes::from_static(b"\xff\xd8\xff\xe1\x00\x40Exif");
        assert!(strip_metadata("image/jpeg", cut).is_err());
        let pdf = Bytes::from_static(b"%PDF-1.7\n");
        assert_eq!(strip_metadata("application/pdf", pdf.clone()), Ok(pdf));
    }
}
