//! Test helpers: fixture generation with the system ffmpeg, access unit
//! splitting, reference decoding, reordering and PSNR.

use fanout::decode::mpeg2::{Decoder, Frame, PictureType};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn tmpdir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mpeg2dec-fixtures");
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mpeg2")
        .join(name)
}

/// Encode `input` (lavfi graph) with ffmpeg and the given encoder args into an
/// elementary stream named `name` (cached in the target tmp dir).
pub fn make_es(name: &str, lavfi: &str, args: &[&str]) -> PathBuf {
    let out = tmpdir().join(name);
    let stamp = tmpdir().join(format!("{name}.args"));
    let key = format!("{lavfi} {}", args.join(" "));
    if out.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(key.as_str()) {
        return out;
    }
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-y", "-f", "lavfi", "-i", lavfi]);
    cmd.args(args);
    cmd.arg(&out);
    let st = cmd.status().expect("run ffmpeg");
    assert!(st.success(), "ffmpeg failed for {name}");
    std::fs::write(&stamp, key).unwrap();
    out
}

pub struct RawFrame {
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

/// Decode with ffmpeg to yuv420p frames in display order.
pub fn ffmpeg_decode(path: &Path, w: usize, h: usize) -> Vec<RawFrame> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args("-fps_mode passthrough -f rawvideo -pix_fmt yuv420p -".split(' '))
        .output()
        .expect("run ffmpeg");
    assert!(
        o.status.success(),
        "ffmpeg decode failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let fs = w * h + 2 * cw * ch;
    assert_eq!(
        o.stdout.len() % fs,
        0,
        "reference size not a multiple of the frame size"
    );
    o.stdout
        .chunks_exact(fs)
        .map(|c| RawFrame {
            y: c[..w * h].to_vec(),
            u: c[w * h..w * h + cw * ch].to_vec(),
            v: c[w * h + cw * ch..].to_vec(),
        })
        .collect()
}

/// Splits an elementary stream into access units with Fanout's own parser
/// (a frame picture, or a pair of field pictures, with the headers before it).
pub fn split_units(es: &[u8]) -> Vec<Vec<u8>> {
    use fanout::codec::{PesMeta, VideoParser};
    let mut parser = fanout::codec::mpeg2::Mpeg2Parser::new();
    let meta = PesMeta {
        pts: Some(0),
        dts: None,
        offset: 0,
        damaged: false,
    };
    parser.push(es, meta);
    parser.finish();
    std::iter::from_fn(|| parser.next_unit())
        .map(|u| u.data)
        .collect()
}

pub struct Out {
    pub frame: Frame,
    pub had_errors: bool,
}

/// Decode all units; returns frames in decode order.
pub fn decode_units(units: &[Vec<u8>]) -> Vec<Out> {
    let mut d = Decoder::new();
    let mut v = Vec::new();
    for u in units {
        let r = d.decode(u).expect("decode");
        if let Some(f) = r.frame {
            v.push(Out {
                frame: f,
                had_errors: r.had_errors,
            });
        }
    }
    v
}

/// Decode order -> display order (I/P frames are shown after the following B frames).
pub fn reorder(frames: Vec<Out>) -> Vec<Out> {
    let mut held: Option<Out> = None;
    let mut out = Vec::new();
    for f in frames {
        if f.frame.picture_type == PictureType::B {
            out.push(f);
        } else if let Some(h) = held.replace(f) {
            out.push(h);
        }
    }
    if let Some(h) = held {
        out.push(h);
    }
    out
}

pub fn psnr(f: &Frame, r: &RawFrame) -> f64 {
    let mut sq = 0u64;
    let mut n = 0u64;
    for (a, b) in [(&f.y, &r.y), (&f.u, &r.u), (&f.v, &r.v)] {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b.iter()) {
            let d = *x as i64 - *y as i64;
            sq += (d * d) as u64;
        }
        n += a.len() as u64;
    }
    if sq == 0 {
        return 99.0;
    }
    let mse = sq as f64 / n as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// Decode `path` with both decoders, compare every frame; returns (min, avg, count).
pub fn compare(path: &Path, min_db: f64) -> (f64, f64, usize) {
    let es = std::fs::read(path).unwrap();
    let units = split_units(&es);
    let ours = reorder(decode_units(&units));
    assert!(!ours.is_empty());
    let (w, h) = (ours[0].frame.width as usize, ours[0].frame.height as usize);
    let refs = ffmpeg_decode(path, w, h);
    assert_eq!(
        ours.len(),
        refs.len(),
        "frame count differs for {}",
        path.display()
    );
    let mut min = f64::MAX;
    let mut sum = 0.0;
    for (i, (o, r)) in ours.iter().zip(refs.iter()).enumerate() {
        assert!(!o.had_errors, "frame {i} had errors");
        let p = psnr(&o.frame, r);
        assert!(
            p >= min_db,
            "{}: frame {i} ({:?}) PSNR {p:.2} dB",
            path.display(),
            o.frame.picture_type
        );
        min = min.min(p);
        sum += p;
    }
    let avg = sum / ours.len() as f64;
    println!(
        "RESULT {}: {} frames, min {:.2} dB, avg {:.2} dB",
        path.file_name().unwrap().to_string_lossy(),
        ours.len(),
        min,
        avg
    );
    (min, avg, ours.len())
}
