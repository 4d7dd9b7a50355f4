//! MSB-first bit reader with a 64-bit cache.
//!
//! Reading past the end of the data yields zero bits (which, in MPEG video,
//! looks like the start of a start code and therefore terminates slices);
//! `overrun()` tells whether more bits were consumed than the data holds.

pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte of `data` to load into the cache (may exceed `data.len()`
    /// once zero padding has been loaded).
    pos: usize,
    /// Valid bits are left-aligned; all bits below the `avail` valid ones are zero.
    cache: u64,
    avail: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        let mut b = BitReader {
            data,
            pos: 0,
            cache: 0,
            avail: 0,
        };
        b.fill();
        b
    }

    #[cold]
    fn fill_slow(&mut self) {
        while self.avail <= 56 {
            let b = if self.pos < self.data.len() {
                self.data[self.pos]
            } else {
                0
            };
            self.cache |= (b as u64) << (56 - self.avail);
            self.pos += 1;
            self.avail += 8;
        }
    }

    /// Loads as many whole bytes as fit; afterwards `avail >= 57`.
    #[inline(always)]
    fn fill(&mut self) {
        if let Some(chunk) = self.data.get(self.pos..self.pos.wrapping_add(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            let v = u64::from_be_bytes(b);
            let nbytes = (64 - self.avail) >> 3;
            if nbytes == 0 {
                return;
            }
            let nbits = nbytes * 8;
            let keep = if nbits >= 64 {
                v
            } else {
                (v >> (64 - nbits)) << (64 - nbits)
            };
            self.cache |= keep >> self.avail;
            self.pos += nbytes as usize;
            self.avail += nbits;
        } else {
            self.fill_slow();
        }
    }

    /// Make sure at least 32 bits are cached.
    #[inline(always)]
    pub fn refill(&mut self) {
        if self.avail < 32 {
            self.fill();
        }
    }

    /// Top 32 bits of the cache; call `refill` first.
    #[inline(always)]
    pub fn peek32(&self) -> u32 {
        (self.cache >> 32) as u32
    }

    /// Peek `n` bits, 1 <= n <= 32.
    #[inline(always)]
    pub fn peek(&mut self, n: u32) -> u32 {
        debug_assert!((1..=32).contains(&n));
        if self.avail < n {
            self.fill();
        }
        (self.cache >> (64 - n)) as u32
    }

    /// Skip `n` bits, n <= 32.
    #[inline(always)]
    pub fn skip(&mut self, n: u32) {
        debug_assert!(n <= 32);
        if self.avail < n {
            self.fill();
        }
        self.cache <<= n;
        self.avail -= n;
    }

    /// Read `n` bits, 0 <= n <= 32.
    #[inline(always)]
    pub fn get(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let v = self.peek(n);
        self.skip(n);
        v
    }

    #[inline(always)]
    pub fn bit(&mut self) -> bool {
        self.get(1) != 0
    }

    /// Number of bits consumed so far.
    pub fn consumed(&self) -> u64 {
        (self.pos as u64) * 8 - self.avail as u64
    }

    /// True when more bits were consumed than the data holds.
    #[inline]
    pub fn overrun(&self) -> bool {
        self.consumed() > (self.data.len() as u64) * 8
    }
}

/// Position of the next `00 00 01` start code prefix at or after `from`.
pub(crate) fn find_start_code(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 3 <= data.len() {
        let c = data[i + 2];
        if c > 1 {
            i += 3;
        } else if c == 1 && data[i] == 0 && data[i + 1] == 0 {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bits() {
        let d = [
            0b1010_1100u8,
            0xFF,
            0x00,
            0x12,
            0x34,
            0x56,
            0x78,
            0x9A,
            0xBC,
            0xDE,
            0xF0,
        ];
        let mut b = BitReader::new(&d);
        assert_eq!(b.get(1), 1);
        assert_eq!(b.get(3), 0b010);
        assert_eq!(b.get(4), 0b1100);
        assert_eq!(b.get(12), 0xFF0);
        assert_eq!(b.get(32), 0x0123_4567);
        assert_eq!(b.get(24), 0x89AB_CD);
        assert_eq!(b.get(12), 0xEF0);
        assert!(!b.overrun());
        assert_eq!(b.get(8), 0);
        assert!(b.overrun());
        for _ in 0..100 {
            assert_eq!(b.get(32), 0);
        }
    }

    #[test]
    fn start_codes() {
        let d = [1u8, 0, 0, 1, 0xB3, 0, 0, 0, 1, 5, 0, 0];
        assert_eq!(find_start_code(&d, 0), Some(1));
        assert_eq!(find_start_code(&d, 2), Some(6));
        assert_eq!(find_start_code(&d, 7), None);
    }
}
