//! Decoded pictures: the type that crosses the decode → (deinterlace) → encode seam.

/// Planar 4:2:0 samples, 8-bit or high bit depth.
///
/// Planes are tightly packed (stride == plane width). Chroma planes are
/// `chroma_width() × chroma_height()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planes {
    /// 8-bit samples: `[y, u, v]`.
    U8([Vec<u8>; 3]),
    /// 9–16-bit samples (10-bit in practice): `[y, u, v]`.
    U16([Vec<u16>; 3]),
}

/// One decoded, cropped 4:2:0 picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Visible width in luma samples.
    pub width: u32,
    /// Visible height in luma samples.
    pub height: u32,
    /// Bits per sample (8 or 10).
    pub bit_depth: u8,
    /// The samples.
    pub planes: Planes,
}

impl Picture {
    /// Width of the chroma planes.
    pub fn chroma_width(&self) -> u32 {
        self.width.div_ceil(2)
    }

    /// Height of the chroma planes.
    pub fn chroma_height(&self) -> u32 {
        self.height.div_ceil(2)
    }

    /// `(width, height)` of plane `index` (0 = luma).
    pub fn plane_size(&self, index: usize) -> (usize, usize) {
        if index == 0 {
            (self.width as usize, self.height as usize)
        } else {
            (self.chroma_width() as usize, self.chroma_height() as usize)
        }
    }
}
