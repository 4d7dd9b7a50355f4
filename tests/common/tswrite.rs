//! Writers for synthetic test streams: an H.264 bit writer and NAL
//! framing, and MPEG-TS packets, PSI sections and PES timestamps.

/// MSB-first bit writer with exp-Golomb codes.
#[derive(Default)]
pub struct BitWriter {
    pub bytes: Vec<u8>,
    pub bit: u32,
}

impl BitWriter {
    pub fn new() -> Self {
        BitWriter {
            bytes: Vec::new(),
            bit: 0,
        }
    }
    pub fn put(&mut self, n: u32, v: u64) {
        for i in (0..n).rev() {
            if self.bit == 0 {
                self.bytes.push(0);
            }
            let b = ((v >> i) & 1) as u8;
            *self.bytes.last_mut().unwrap() |= b << (7 - self.bit);
            self.bit = (self.bit + 1) % 8;
        }
    }
    pub fn flag(&mut self, b: bool) {
        self.put(1, u64::from(b));
    }
    pub fn ue(&mut self, v: u32) {
        let x = u64::from(v) + 1;
        let len = 64 - x.leading_zeros();
        self.put(len - 1, 0);
        self.put(len, x);
    }
    pub fn se(&mut self, v: i32) {
        self.ue(if v > 0 {
            (2 * v - 1) as u32
        } else {
            (-2 * v) as u32
        });
    }
    pub fn align_zero(&mut self) {
        while self.bit != 0 {
            self.put(1, 0);
        }
    }
    pub fn bytes_raw(&mut self, data: &[u8]) {
        assert_eq!(self.bit, 0);
        self.bytes.extend_from_slice(data);
    }
    pub fn trailing(mut self) -> Vec<u8> {
        self.put(1, 1);
        self.align_zero();
        self.bytes
    }
}

/// A NAL unit with start code and emulation prevention.
pub fn nal(header: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0, 1, header];
    let mut zeros = 0;
    for &b in rbsp {
        if zeros >= 2 && b <= 3 {
            out.push(3);
            zeros = 0;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

pub fn crc32_mpeg(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                crc << 1 ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// TS packets carrying `payload` on `pid` (a PES or a PSI section with its
/// pointer field), the first packet with PCR `pcr` when given.
pub fn packets(out: &mut Vec<u8>, pid: u16, cc: &mut u8, payload: &[u8], pcr: Option<u64>) {
    let mut pos = 0;
    let mut first = true;
    while pos < payload.len() || first {
        let mut adaptation = Vec::new();
        if first {
            if let Some(pcr) = pcr {
                adaptation.push(0x10);
                let base = pcr;
                adaptation.extend_from_slice(&[
                    (base >> 25) as u8,
                    (base >> 17) as u8,
                    (base >> 9) as u8,
                    (base >> 1) as u8,
                    ((base & 1) << 7) as u8 | 0x7e,
                    0,
                ]);
            }
        }
        let room = 184
            - if adaptation.is_empty() {
                0
            } else {
                1 + adaptation.len()
            };
        let take = (payload.len() - pos).min(room);
        if take < room {
            // Stuff the adaptation field to fill the packet.
            let need = 184 - take - 1;
            if adaptation.is_empty() && need > 0 {
                adaptation.push(0x00);
            }
            while adaptation.len() < need {
                adaptation.push(0xff);
            }
        }
        let has_af = !adaptation.is_empty() || 184 - take == 1;
        out.push(0x47);
        out.push(u8::from(first) << 6 | (pid >> 8) as u8);
        out.push(pid as u8);
        out.push(if has_af { 0x30 } else { 0x10 } | *cc);
        *cc = (*cc + 1) % 16;
        if has_af {
            out.push(adaptation.len() as u8);
            out.extend_from_slice(&adaptation);
        }
        out.extend_from_slice(&payload[pos..pos + take]);
        pos += take;
        first = false;
    }
}

pub fn section(table_id: u8, id: u16, body: &[u8]) -> Vec<u8> {
    let len = body.len() + 5 + 4;
    let mut s = vec![
        table_id,
        0xb0 | (len >> 8) as u8,
        len as u8,
        (id >> 8) as u8,
        id as u8,
        0xc1,
        0,
        0,
    ];
    s.extend_from_slice(body);
    let crc = crc32_mpeg(&s);
    s.extend_from_slice(&crc.to_be_bytes());
    let mut with_pointer = vec![0];
    with_pointer.extend(s);
    with_pointer
}

pub fn timestamp(marker: u8, t: u64) -> [u8; 5] {
    [
        marker << 4 | ((t >> 29) as u8 & 0x0e) | 1,
        (t >> 22) as u8,
        ((t >> 14) as u8 & 0xfe) | 1,
        (t >> 7) as u8,
        ((t << 1) as u8 & 0xfe) | 1,
    ]
}
