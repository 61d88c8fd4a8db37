//! Reading venue codes from photos (PNG or JPEG) with an independent decoder, `rqrr`.

use anyhow::Result;

/// Every QR code found in the image, decoded to text.
pub fn decode(bytes: &[u8]) -> Result<Vec<String>> {
    let img = image::load_from_memory(bytes)
        .map_err(|e| {
            crate::cli_error!(
                "error-not-an-image",
                more = crate::errors::english_aside(&e.to_string())
            )
        })?
        .to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        img.get_pixel(x as u32, y as u32).0[0]
    });
    Ok(prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect())
}
