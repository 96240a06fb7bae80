//! Build script: makes the `/widget.js` the server embeds from the widget's readable source.
//!
//! The widget is plain JavaScript with no npm build, split into parts a newcomer can read
//! (`widget/src/*.js`, numbered in the order they run). They share one scope, so this joins
//! them in name order inside one strict-mode closure, then strips comments and whitespace
//! with the `minifier` crate (no renaming, so the served script still reads like the
//! source). Readable with its comments, the widget is over its 12 KB gzipped budget; minified
//! it is well under. The result goes to `OUT_DIR/widget.js`, which `src/http/assets.rs`
//! includes in the binary.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the parts live, relative to the package root (the build script's working directory).
const SOURCE_DIR: &str = "widget/src";

/// First line of the served script: where a developer who finds it on a shop's page reads it.
const BANNER: &str =
    "/* shopchat widget; readable source: widget/src/ in the shopchat repository */\n";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=src/build.rs");
    // The dashboard and the demo shop are embedded from `static/` at compile time; without
    // this, an edited page kept being served from the last build until a Rust file changed.
    println!("cargo:rerun-if-changed=static");
    // The folder itself, so an added or removed part rebuilds too.
    println!("cargo:rerun-if-changed={SOURCE_DIR}");
    let parts = widget_parts(Path::new(SOURCE_DIR))?;
    let mut joined = String::from("(() => {\n\"use strict\";\n");
    for part in &parts {
        println!("cargo:rerun-if-changed={}", part.display());
        joined.push_str(&fs::read_to_string(part)?);
        // A part ending without a newline must not glue its last line to the next part's first.
        joined.push('\n');
    }
    joined.push_str("})();\n");
    let minified = minifier::js::minify(&joined)
        .map_err(|e| format!("minifying the widget: {e}"))?
        .to_string();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    fs::write(out_dir.join("widget.js"), format!("{BANNER}{minified}\n"))?;
    Ok(())
}

/// The `.js` files of `dir` in name order, which is the order they run in (their names start
/// with one digit, so name order is number order).
fn widget_parts(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut parts = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "js") {
            parts.push(path);
        }
    }
    parts.sort();
    if parts.is_empty() {
        return Err(format!("no widget source in {}", dir.display()).into());
    }
    Ok(parts)
}
