//! QR codes: drawn in the terminal with half-block characters, or written as a PNG image.

use std::path::Path;

use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, QrCode};

use crate::private_file::write_private;

/// The payload as a QR code made of half blocks, two modules per character cell, with the
/// quiet zone, dark on light.
pub(crate) fn terminal(data: &str) -> String {
    match QrCode::new(data.as_bytes()) {
        Ok(code) => code
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .build(),
        Err(e) => format!(
            "(this QR payload cannot be drawn: {e}; its text is: {})",
            crate::terminal::clean(data)
        ),
    }
}

/// Writes the payload as a black-on-white PNG, 8 pixels per module, with a 4-module quiet zone.
/// The code is a secret of the verification: the file is readable by this user only, and a
/// symlink at `path` is replaced, never followed (see [`write_private`]).
pub(crate) fn write_png(data: &str, path: &Path) -> Result<(), String> {
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let code = QrCode::new(data.as_bytes())
        .map_err(|e| format!("cannot make a QR code of the payload: {e}"))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = (index % modules + QUIET, index / modules + QUIET);
        for dy in 0..SCALE {
            let row = (y * SCALE + dy) * side;
            pixels[row + x * SCALE..row + (x + 1) * SCALE].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| "the QR code is too large".to_owned())?;
    let mut image = Vec::new();
    let mut encoder = png::Encoder::new(&mut image, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| {
            writer.write_image_data(&pixels)?;
            writer.finish()
        })
        .map_err(|e| format!("cannot make the PNG image: {e}"))?;
    write_private(path, &image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_draws_as_half_blocks() {
        let drawn = terminal("BEEPER-FAKE-QR:abc");
        assert!(drawn.lines().count() > 10);
        assert!(drawn.contains('█') || drawn.contains('▀') || drawn.contains('▄'));
    }

    #[test]
    fn a_png_is_written_with_the_png_signature() {
        let path =
            std::env::temp_dir().join(format!("beeper-verify-qr-{}.png", std::process::id()));
        write_png("BEEPER-FAKE-QR:abc", &path).expect("written");
        let bytes = std::fs::read(&path).expect("readable");
        let _ = std::fs::remove_file(&path);
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }
}
