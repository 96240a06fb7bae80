//! What a thumbnail costs at upload (`files::thumb::thumbnail`): the CPU and time one image
//! takes on the upload's blocking thread, for a phone photo (4,000 × 3,000 JPEG) and a
//! screenshot (1,920 × 1,080 PNG), and a picture that already fits (header read only).

// Benchmarks fail loudly by design: a panic on `unwrap` is the failure message.
#![allow(clippy::unwrap_used, unreachable_pub, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use image::{ImageFormat, RgbImage};
use shopchat::files::thumb::thumbnail;
use std::hint::black_box;
use std::io::Cursor;

/// A picture with detail (a gradient and stripes), so the encoders have work to do.
fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x % 256) as u8,
            (y % 256) as u8,
            ((x / 7 + y / 5) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

fn thumbs(c: &mut Criterion) {
    let photo = picture(4_000, 3_000, ImageFormat::Jpeg);
    let screenshot = picture(1_920, 1_080, ImageFormat::Png);
    let small = picture(300, 200, ImageFormat::Png);
    let mut group = c.benchmark_group("thumbnail");
    group.sample_size(10);
    group.bench_function("phone photo 4000x3000 jpeg", |b| {
        b.iter(|| thumbnail("image/jpeg", black_box(&photo)).unwrap())
    });
    group.bench_function("screenshot 1920x1080 png", |b| {
        b.iter(|| thumbnail("image/png", black_box(&screenshot)).unwrap())
    });
    group.bench_function("already small 300x200 png", |b| {
        b.iter(|| assert!(thumbnail("image/png", black_box(&small)).is_none()))
    });
    group.finish();
}

criterion_group!(benches, thumbs);
criterion_main!(benches);
