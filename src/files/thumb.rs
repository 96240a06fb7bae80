//! Thumbnails of uploaded images, so a chat shows a photo at a few kilobytes instead of
//! fetching a 10 MB original to draw it 200 pixels wide. Made once, at upload, by decoding
//! the image within limits (a picture that claims 30,000 × 30,000 pixels is refused by the
//! decoder before it allocates) and scaling it to fit [`THUMB_EDGE`]. Pure and blocking: the
//! caller runs it off the async threads, inside the upload slot that already bounds how many
//! uploads a node handles at once.

use bytes::Bytes;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The longest edge of a thumbnail, in pixels (twice the widget's 160 px for sharp screens).
pub const THUMB_EDGE: u32 = 320;

/// The largest picture decoded for a thumbnail: 12,000 pixels on an edge (beyond any phone
/// camera), and at most 256 MiB of decoded pixels.
const MAX_EDGE: u32 = 12_000;
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// JPEG quality of a thumbnail without transparency: small, and fine at thumbnail size.
const JPEG_QUALITY: u8 = 80;

/// A thumbnail and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// The encoded picture.
    pub bytes: Bytes,
    /// `image/jpeg`, or `image/png` for a picture with transparency.
    pub content_type: &'static str,
}

/// The thumbnail of an image of `content_type` (as sniffed), or `None` when it needs none
/// (it already fits [`THUMB_EDGE`]), is no image we thumbnail, or does not decode within the
/// limits — the original is shown then, as before.
pub fn thumbnail(content_type: &str, bytes: &[u8]) -> Option<Thumbnail> {
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        "image/gif" => ImageFormat::Gif,
        _ => return None,
    };
    // The header first: a picture that already fits is not decoded at all.
    let mut header = ImageReader::with_format(Cursor::new(bytes), format);
    header.limits(limits());
    let (width, height) = header.into_dimensions().ok()?;
    if width <= THUMB_EDGE && height <= THUMB_EDGE {
        return None;
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let image = reader.decode().ok()?;
    let small = image.thumbnail(THUMB_EDGE, THUMB_EDGE);
    encode(&small)
}

/// What a reader may decode (a new value per reader: `Limits` is not `Copy`).
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_EDGE);
    limits.max_image_height = Some(MAX_EDGE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    limits
}

/// JPEG for an opaque picture, PNG when it has transparency (JPEG would turn it black).
fn encode(image: &DynamicImage) -> Option<Thumbnail> {
    let mut out = Vec::new();
    if image.color().has_alpha() {
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .ok()?;
        return Some(Thumbnail {
            bytes: out.into(),
            content_type: "image/png",
        });
    }
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    image.to_rgb8().write_with_encoder(encoder).ok()?;
    Some(Thumbnail {
        bytes: out.into(),
        content_type: "image/jpeg",
    })
}

#[cfg(test)]
mod tests {
    use super::{THUMB_EDGE, thumbnail};
    use image::{ImageFormat, RgbImage, RgbaImage};
    use std::io::Cursor;

    fn png_of(image: image::DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_large_photo_becomes_a_small_jpeg_of_the_same_shape() {
        let photo = png_of(RgbImage::from_pixel(1200, 900, image::Rgb([180, 120, 60])).into());
        let thumb = thumbnail("image/png", &photo).expect("a thumbnail");
        assert_eq!(thumb.content_type, "image/jpeg");
        let decoded = image::load_from_memory(&thumb.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (THUMB_EDGE, 240));
        assert!(thumb.bytes.len() < photo.len());
    }

    #[test]
    fn transparency_stays_png_and_small_pictures_need_none() {
        let clear = png_of(RgbaImage::from_pixel(400, 800, image::Rgba([0, 0, 0, 0])).into());
        let thumb = thumbnail("image/png", &clear).expect("a thumbnail");
        assert_eq!(thumb.content_type, "image/png");
        let decoded = image::load_from_memory(&thumb.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (160, THUMB_EDGE));
        let small = png_of(RgbImage::new(320, 200).into());
        assert_eq!(thumbnail("image/png", &small), None);
        assert_eq!(thumbnail("application/pdf", b"%PDF-1.7"), None);
    }

    /// A header claiming a picture past the limits is refused before anything is allocated:
    /// no thumbnail, no panic, at once.
    #[test]
    fn a_picture_past_the_limits_gets_no_thumbnail() {
        let mut png = png_of(RgbImage::new(400, 400).into());
        // IHDR's width and height (bytes 16..24) to 30,000 × 30,000; its CRC no longer
        // matches either, which the decoder may refuse first: both are "no thumbnail".
        png[16..20].copy_from_slice(&30_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&30_000u32.to_be_bytes());
        assert_eq!(thumbnail("image/png", &png), None);
        assert_eq!(
            thumbnail("image/jpeg", b"\xFF\xD8\xFF\xE0 not a jpeg"),
            None
        );
    }
}
