//! Field-picture test against a reference, without a field-picture encoder:
//! a 352x144 progressive 50 Hz P-only stream from ffmpeg is rewritten at the
//! bit level into a 352x288 interlaced stream of *field pictures* (picture
//! 2k -> first field of frame k, picture 2k+1 -> second field). Every P
//! field predicts from the opposite-parity field (= the previous picture),
//! so the second field of each frame references the first field of the same
//! frame, exactly as 13818-2 7.6.1 allows. No-MC and skipped macroblocks are
//! rewritten into explicit zero-vector field predictions (the field-picture
//! defaults would pick the same-parity field). The expected output is the
//! ffmpeg decode of the original stream, woven.

use super::bits::{find_start_code, BitReader};
use super::block::decode_block;
use super::headers::ZIGZAG;
use super::slice::read_mv_component;
use super::vlc::{tables, Tables, MB_FWD, MB_INTRA, MB_PATTERN, MB_QUANT};
use std::process::Command;

struct BW {
    out: Vec<u8>,
    acc: u8,
    n: u32,
}

impl BW {
    fn new() -> Self {
        BW {
            out: Vec::new(),
            acc: 0,
            n: 0,
        }
    }
    fn put(&mut self, v: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | ((v >> i) & 1) as u8;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc);
                self.acc = 0;
                self.n = 0;
            }
        }
    }
    fn copy(&mut self, src: &[u8], from: u64, to: u64) {
        for i in from..to {
            let byte = src.get((i / 8) as usize).copied().unwrap_or(0);
            self.put(((byte >> (7 - (i % 8))) & 1) as u32, 1);
        }
    }
    fn finish(mut self) -> Vec<u8> {
        while self.n != 0 {
            self.put(0, 1);
        }
        self.out
    }
}

fn put_mv(w: &mut BW, t: &Tables, f_code: u8, delta: i32) {
    let r = f_code as u32 - 1;
    let f = 1i32 << r;
    let mut d = delta;
    if d > 16 * f - 1 {
        d -= 32 * f;
    }
    if d < -16 * f {
        d += 32 * f;
    }
    let (mc, res) = if d == 0 || f == 1 {
        (d, None)
    } else {
        let a = d.abs() - 1;
        let mc = (a >> r) + 1;
        (if d < 0 { -mc } else { mc }, Some((a & (f - 1)) as u32))
    };
    let i = (0..2048)
        .find(|&i| t.mv[i].1 != 0 && t.mv[i].0 as i32 == mc)
        .unwrap();
    let len = t.mv[i].1 as u32;
    w.put((i >> (11 - len)) as u32, len);
    if let Some(res) = res {
        w.put(res, r);
    }
}

fn put_inc(w: &mut BW, t: &Tables, mut inc: usize) {
    while inc > 33 {
        w.put(0b0000_0001_000, 11);
        inc -= 33;
    }
    let i = (0..2048)
        .find(|&i| t.mbinc[i].1 != 0 && t.mbinc[i].0 as usize == inc)
        .unwrap();
    let len = t.mbinc[i].1 as u32;
    w.put((i >> (11 - len)) as u32, len);
}

fn copy_blocks(br: &mut BitReader, w: &mut BW, src: &[u8], t: &Tables, intra: bool, cbp: u32) {
    let mut blk = [0i32; 64];
    for b in 0..6 {
        if cbp & (32 >> b) == 0 {
            continue;
        }
        let start = br.consumed();
        if intra {
            let (size, len) = if b < 4 {
                t.dc_lum[br.peek(9) as usize]
            } else {
                t.dc_chr[br.peek(10) as usize]
            };
            assert!(len != 0);
            br.skip(len as u32);
            br.get(size as u32);
            decode_block::<true>(br, &t.dct0, &mut blk, &ZIGZAG, &[16; 64], 2, false, 0).unwrap();
        } else {
            decode_block::<false>(br, &t.dct0, &mut blk, &ZIGZAG, &[16; 64], 2, false, 0).unwrap();
        }
        blk = [0; 64];
        w.copy(src, start, br.consumed());
    }
}

/// Rewrite one P frame-picture slice (frame_pred_frame_dct = 1) into field syntax.
fn rewrite_p_slice(src: &[u8], t: &Tables, fc: [u8; 2], sel: u32) -> Vec<u8> {
    let mut br = BitReader::new(src);
    let mut w = BW::new();
    let q = br.get(5);
    w.put(q, 5);
    loop {
        let b = br.get(1);
        w.put(b, 1);
        if b == 0 {
            break;
        }
        let x = br.get(8);
        w.put(x, 8);
    }
    let mut pmv = [0i32; 2];
    let mut first = true;
    loop {
        let mut inc = 0usize;
        loop {
            let p = br.peek(11);
            if p == 0b0000_0001_000 {
                inc += 33;
                br.skip(11);
            } else if p == 0b0000_0001_111 {
                br.skip(11);
            } else {
                break;
            }
        }
        let (v, len) = t.mbinc[br.peek(11) as usize];
        assert!(len != 0);
        br.skip(len as u32);
        inc += v as usize;
        if first {
            put_inc(&mut w, t, inc);
            first = false;
        } else {
            for _ in 1..inc {
                // skipped MB -> MC, not coded, zero vector from the opposite parity field
                w.put(1, 1); // increment 1
                w.put(0b001, 3); // MC, not coded
                w.put(0b01, 2); // field prediction
                w.put(sel, 1);
                put_mv(&mut w, t, fc[0], -pmv[0]);
                put_mv(&mut w, t, fc[1], -pmv[1]);
                pmv = [0, 0];
            }
            w.put(1, 1);
        }
        let start = br.consumed();
        let (f, len) = t.mbtype_p[br.peek(6) as usize];
        assert!(len != 0);
        br.skip(len as u32);
        if f & MB_INTRA != 0 {
            w.copy(src, start, br.consumed());
            if f & MB_QUANT != 0 {
                w.put(br.get(5), 5);
            }
            pmv = [0, 0];
            copy_blocks(&mut br, &mut w, src, t, true, 0x3F);
        } else {
            match f | MB_FWD {
                x if x == MB_FWD | MB_PATTERN => w.put(1, 1),
                x if x == MB_FWD => w.put(1, 3),
                x if x == MB_QUANT | MB_FWD | MB_PATTERN => w.put(2, 5),
                _ => unreachable!(),
            }
            w.put(0b01, 2);
            if f & MB_QUANT != 0 {
                w.put(br.get(5), 5);
            }
            w.put(sel, 1);
            if f & MB_FWD != 0 {
                let s = br.consumed();
                let x = read_mv_component(&mut br, t, fc[0], pmv[0]).unwrap();
                let y = read_mv_component(&mut br, t, fc[1], pmv[1]).unwrap();
                w.copy(src, s, br.consumed());
                pmv = [x, y];
            } else {
                put_mv(&mut w, t, fc[0], -pmv[0]);
                put_mv(&mut w, t, fc[1], -pmv[1]);
                pmv = [0, 0];
            }
            if f & MB_PATTERN != 0 {
                let s = br.consumed();
                let (c, len) = t.cbp[br.peek(9) as usize];
                assert!(len != 0);
                br.skip(len as u32);
                w.copy(src, s, br.consumed());
                copy_blocks(&mut br, &mut w, src, t, false, c as u32);
            }
        }
        br.refill();
        if br.peek(23) == 0 {
            break;
        }
    }
    w.finish()
}

/// Rewrite the progressive half-height stream into field pictures.
/// `bottom_first`: even pictures become bottom fields.
fn synthesize(es: &[u8], bottom_first: bool) -> Vec<u8> {
    let t = tables();
    let mut out = Vec::new();
    let mut pics = 0usize;
    let mut ptype = 0u8;
    let mut fc = [0u8; 2];
    let mut last_ext_pic = false;
    let mut pos = find_start_code(es, 0).unwrap();
    // Only whole field pairs.
    let total = {
        let mut n = 0;
        let mut p = pos;
        while let Some(q) = find_start_code(es, p + 3) {
            if es[q + 3] == 0 {
                n += 1;
            }
            p = q;
        }
        (n + (es[pos + 3] == 0) as usize) & !1
    };
    loop {
        let next = find_start_code(es, pos + 4);
        let end = next.unwrap_or(es.len());
        let code = es[pos + 3];
        let mut payload = es[pos + 4..end].to_vec();
        let mut emit = true;
        match code {
            0xB3 => {
                let v = 288u32;
                payload[1] = (payload[1] & 0xF0) | (v >> 8) as u8;
                payload[2] = v as u8;
                payload[3] = (payload[3] & 0xF0) | 3; // 25 Hz
                last_ext_pic = false;
            }
            0xB5 => {
                let id = payload[0] >> 4;
                if id == 1 {
                    payload[1] &= !0x08; // progressive_sequence = 0
                } else if id == 8 && last_ext_pic {
                    fc = [payload[0] & 15, payload[1] >> 4];
                    let first = (pics - 1).is_multiple_of(2);
                    let structure = if first != bottom_first { 1 } else { 2 };
                    payload[2] = (payload[2] & !3) | structure;
                    payload[3] &= !(0x80 | 0x40 | 0x02 | 0x01); // tff, fpfd, rff, chroma_420_type
                    payload[4] &= !0x80; // progressive_frame
                }
            }
            0x00 => {
                if pics >= total {
                    break;
                }
                let tr = ((payload[0] as u32) << 2) | (payload[1] as u32 >> 6);
                let tr = tr / 2;
                payload[0] = (tr >> 2) as u8;
                payload[1] = (payload[1] & 0x3F) | ((tr & 3) << 6) as u8;
                ptype = (payload[1] >> 3) & 7;
                pics += 1;
                last_ext_pic = true;
            }
            0x01..=0xAF if ptype == 2 => {
                let even = (pics - 1).is_multiple_of(2);
                let is_top = even != bottom_first;
                let sel = if is_top { 1 } else { 0 };
                payload = rewrite_p_slice(&es[pos + 4..end], t, fc, sel);
            }
            0xB8 => last_ext_pic = false,
            0xB7 => emit = false,
            _ => {}
        }
        if emit {
            out.extend_from_slice(&[0, 0, 1, code]);
            out.extend_from_slice(&payload);
        }
        match next {
            Some(n) => pos = n,
            None => break,
        }
    }
    out.extend_from_slice(&[0, 0, 1, 0xB7]);
    out
}

fn ffmpeg_raw(path: &std::path::Path) -> Vec<u8> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args("-fps_mode passthrough -f rawvideo -pix_fmt yuv420p -".split(' '))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

fn split(es: &[u8]) -> Vec<&[u8]> {
    // units: start at sequence/GOP headers or at every second picture (field pairs)
    let mut cuts = vec![];
    let mut pos = find_start_code(es, 0);
    let mut pics = 0;
    let mut have_pic = false;
    while let Some(p) = pos {
        match es[p + 3] {
            0xB3 | 0xB8 if have_pic => {
                cuts.push(p);
                have_pic = false;
            }
            0x00 => {
                if pics % 2 == 0 && have_pic {
                    cuts.push(p);
                }
                pics += 1;
                have_pic = true;
            }
            _ => {}
        }
        pos = find_start_code(es, p + 4);
    }
    let mut units = vec![];
    let mut start = 0;
    for c in cuts {
        units.push(&es[start..c]);
        start = c;
    }
    units.push(&es[start..]);
    units
}

fn run(bottom_first: bool) {
    if Command::new("ffmpeg").arg("-version").output().is_err() {
        eprintln!("SKIP: no ffmpeg");
        return;
    }
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("tmp");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(if bottom_first {
        "half50p_b.m2v"
    } else {
        "half50p_t.m2v"
    });
    let st = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=352x144:rate=50:duration=1.04",
        ])
        .args([
            "-c:v",
            "mpeg2video",
            "-q:v",
            "4",
            "-g",
            "12",
            "-bf",
            "0",
            "-sc_threshold",
            "1000000000",
        ])
        .args(["-f", "mpeg2video"])
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let es = std::fs::read(&src).unwrap();
    let synth = synthesize(&es, bottom_first);
    let synth_path = dir.join(if bottom_first {
        "synth_fields_bff.m2v"
    } else {
        "synth_fields_tff.m2v"
    });
    std::fs::write(&synth_path, &synth).unwrap();

    // Reference: ffmpeg's decode of the progressive stream, woven into frames.
    let half = ffmpeg_raw(&src);
    let hs = 352 * 144 * 3 / 2;
    let npics = (half.len() / hs) & !1;
    let weave = |k: usize| -> Vec<u8> {
        let (a, b) = (&half[2 * k * hs..], &half[(2 * k + 1) * hs..]);
        let (top, bot) = if bottom_first { (b, a) } else { (a, b) };
        let mut f = vec![0u8; 352 * 288 * 3 / 2];
        for (plane, (w, h, off)) in [
            (352usize, 144usize, 0usize),
            (176, 72, 352 * 144),
            (176, 72, 352 * 144 * 5 / 4),
        ]
        .iter()
        .enumerate()
        {
            let out_off = off * 2;
            for r in 0..*h {
                let _ = plane;
                f[out_off + (2 * r) * w..][..*w].copy_from_slice(&top[off + r * w..][..*w]);
                f[out_off + (2 * r + 1) * w..][..*w].copy_from_slice(&bot[off + r * w..][..*w]);
            }
        }
        f
    };
    // ffmpeg must agree that the synthesized stream is that content.
    let ff_synth = ffmpeg_raw(&synth_path);
    let fs = 352 * 288 * 3 / 2;
    assert_eq!(
        ff_synth.len() / fs,
        npics / 2,
        "ffmpeg frame count of the synthesized stream"
    );
    let psnr = |a: &[u8], b: &[u8]| -> f64 {
        let sq: u64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| ((*x as i64 - *y as i64).pow(2)) as u64)
            .sum();
        if sq == 0 {
            99.0
        } else {
            10.0 * (255.0f64 * 255.0 / (sq as f64 / a.len() as f64)).log10()
        }
    };
    for k in 0..npics / 2 {
        let p = psnr(&ff_synth[k * fs..(k + 1) * fs], &weave(k));
        assert!(
            p >= 50.0,
            "ffmpeg decode of synthesized field stream differs at frame {k}: {p:.2} dB"
        );
    }
    // Now our decoder on the field-picture stream.
    let mut d = super::Decoder::new();
    let mut n = 0;
    let mut min = 99.0f64;
    for u in split(&synth) {
        let r = d.decode(u).unwrap();
        let Some(f) = r.frame else { continue };
        assert!(!r.had_errors, "frame {n} had errors");
        assert_eq!((f.width, f.height), (352, 288));
        let mut ours = f.y.clone();
        ours.extend_from_slice(&f.u);
        ours.extend_from_slice(&f.v);
        let p = psnr(&ours, &ff_synth[n * fs..(n + 1) * fs]);
        assert!(
            p >= 50.0,
            "frame {n} ({:?}): {p:.2} dB vs ffmpeg",
            f.picture_type
        );
        min = min.min(p);
        n += 1;
    }
    assert_eq!(n, npics / 2);
    println!("RESULT synthesized field pictures (bottom_first={bottom_first}): {n} frames, min {min:.2} dB");
}

#[test]
fn field_pictures_top_first() {
    run(false);
}

#[test]
fn field_pictures_bottom_first() {
    run(true);
}
