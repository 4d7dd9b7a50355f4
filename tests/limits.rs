//! Resource bombs: crafted streams that ask for more than `fanout::limits`
//! allows stop with a named `Limit` error before the allocation, never an
//! out-of-memory abort, a hang or a silently short file.

mod common;

use common::tswrite::{nal, packets, section, timestamp, BitWriter};
use fanout::codec::RandomAccess;
use fanout::encode::VideoFormat;
use fanout::job::{run_chunk, Deinterlace, JobSettings, VideoMode};
use fanout::limits;
use fanout::pipeline::{Analyzer, Settings, Split};
use fanout::plan::{Chunk, ChunkUnit};
use fanout::Error;

const VIDEO_PID: u16 = 0x100;
const PMT_PID: u16 = 0x1000;

/// A Baseline SPS (POC type 2, 16-value frame_num) of `mbs_w` x `mbs_h` macroblocks.
fn sps(mbs_w: u32, mbs_h: u32) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.put(8, 66); // Baseline
    w.put(8, 0);
    w.put(8, 62); // level 6.2
    w.ue(0); // sps id
    w.ue(0); // log2_max_frame_num - 4
    w.ue(2); // POC type 2
    w.ue(1); // max_num_ref_frames
    w.flag(false); // gaps
    w.ue(mbs_w - 1);
    w.ue(mbs_h - 1);
    w.flag(true); // frame_mbs_only
    w.flag(true); // direct_8x8_inference
    w.flag(false); // cropping
    w.flag(false); // VUI
    nal(0x67, &w.trailing())
}

fn pps() -> Vec<u8> {
    let mut w = BitWriter::new();
    w.ue(0); // pps id
    w.ue(0); // sps id
    w.flag(false); // CAVLC
    w.flag(false); // bottom_field_pic_order_in_frame_present
    w.ue(0); // one slice group
    w.ue(0);
    w.ue(0);
    w.flag(false);
    w.put(2, 0);
    w.se(0);
    w.se(0);
    w.se(0);
    w.flag(false);
    w.flag(false);
    w.flag(false);
    nal(0x68, &w.trailing())
}

/// The first bytes of a slice (enough for the access-unit splitter): an
/// IDR or a P slice with `frame_num`.
fn slice(idr: bool, frame_num: u32) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.ue(0); // first_mb_in_slice
    w.ue(if idr { 7 } else { 5 }); // I or P, all slices alike
    w.ue(0); // pps id
    w.put(4, u64::from(frame_num % 16));
    w.put(16, 0xabcd); // the rest: not decoded here
    nal(if idr { 0x65 } else { 0x41 }, &w.trailing())
}

/// PAT and a PMT with H.264 on `VIDEO_PID` and `audio` more streams of
/// `audio_type`.
fn psi(out: &mut Vec<u8>, audio: usize, audio_type: u8) {
    let (mut cc_pat, mut cc_pmt) = (0, 0);
    let pat = section(0x00, 1, &[0, 1, 0xe0 | (PMT_PID >> 8) as u8, PMT_PID as u8]);
    let mut body = vec![0xe0 | (VIDEO_PID >> 8) as u8, VIDEO_PID as u8, 0xf0, 0];
    body.extend([
        0x1b,
        0xe0 | (VIDEO_PID >> 8) as u8,
        VIDEO_PID as u8,
        0xf0,
        0,
    ]);
    for i in 0..audio {
        let pid = 0x200 + i as u16;
        body.extend([audio_type, 0xe0 | (pid >> 8) as u8, pid as u8, 0xf0, 0]);
    }
    packets(out, 0, &mut cc_pat, &pat, None);
    packets(out, PMT_PID, &mut cc_pmt, &section(0x02, 1, &body), None);
}

fn video_pes(out: &mut Vec<u8>, cc: &mut u8, es: &[u8], pts: u64) {
    let mut pes = vec![0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5];
    pes.extend_from_slice(&timestamp(2, pts));
    pes.extend_from_slice(es);
    packets(out, VIDEO_PID, cc, &pes, None);
}

fn settings() -> Settings {
    Settings {
        video: VideoMode::Copy,
        split: Split::Keyframes,
        ..Settings::default()
    }
}

/// Feeds `ts` to an analyzer and returns its error (taking chunks as a
/// face would, so held chunks do not count).
fn analyze(ts: impl IntoIterator<Item = Vec<u8>>, settings: Settings) -> Error {
    let mut analyzer = Analyzer::new(settings).unwrap();
    for piece in ts {
        if let Err(e) = analyzer.push(&piece) {
            return e;
        }
        while analyzer.next_chunk().is_some() {}
        assert!(
            analyzer.buffered_bytes() <= limits::MAX_VIDEO_PES_BYTES + (16 << 20),
            "held {} bytes",
            analyzer.buffered_bytes()
        );
    }
    analyzer.finish().expect_err("the stream breaks a limit")
}

fn assert_limit(e: &Error, wanted: &str) {
    assert_eq!(e.kind(), "Limit", "{e}");
    assert!(e.to_string().contains(wanted), "{e}");
}

#[test]
fn huge_sps_dimensions_are_refused_before_decoding() {
    let mut ts = Vec::new();
    psi(&mut ts, 0, 0);
    let mut cc = 0;
    let es = [sps(1024, 1024), pps(), slice(true, 0)].concat();
    video_pes(&mut ts, &mut cc, &es, 90_000);
    let e = analyze([ts], settings());
    assert_limit(&e, "picture 16384x16384 exceeds the 8192x4352");

    // Level 6.2's largest frame passes the parser's check.
    let mut ts = Vec::new();
    psi(&mut ts, 0, 0);
    let es = [sps(512, 272), pps(), slice(true, 0)].concat();
    video_pes(&mut ts, &mut cc, &es, 90_000);
    let mut analyzer = Analyzer::new(settings()).unwrap();
    analyzer.push(&ts).unwrap();
    analyzer.finish().unwrap();
    let format = analyzer.format().unwrap();
    assert_eq!((format.width, format.height), (8192, 4352));

    // A chunk from the wire with the same SPS in its parameter sets is
    // refused by the job, before a decoder allocates its pictures.
    let unit = ChunkUnit {
        data: slice(true, 0),
        pts: 0,
        dts: 0,
        random_access: RandomAccess::Idr,
        is_reference: true,
        interlaced: false,
        bottom_field_first: false,
        damaged: false,
    };
    let chunk = Chunk {
        index: 0,
        parameter_sets: [sps(1024, 1024), pps()].concat(),
        units: vec![unit],
        start_pts: 0,
        end_pts: i64::MAX,
        audio: Vec::new(),
    };
    let job = JobSettings {
        video: VideoMode::H264(Default::default()),
        codec: fanout::codec::VideoCodecId::H264,
        deinterlace: Deinterlace::Off,
        format: VideoFormat {
            width: 64,
            height: 64,
            bit_depth: 8,
            frame_rate: (25, 1),
            sample_aspect: (1, 1),
        },
        interlaced_source: false,
        top_field_first: true,
    };
    let e = run_chunk(&chunk, &job, &mut |_| true).unwrap_err();
    assert_limit(&e, "picture 16384x16384");
}

/// Packets of one video PES that never ends: `total` bytes of payload after
/// a start, in pieces of about 1 MiB.
fn endless_pes(pid: u16, stream_id: u8, total: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut head = Vec::new();
    psi(&mut head, 1, 0x81);
    let mut cc = 0;
    let pes = [
        &[0, 0, 1, stream_id, 0, 0, 0x80, 0x80, 5][..],
        &timestamp(2, 90_000),
    ]
    .concat();
    packets(&mut head, pid, &mut cc, &pes, None);
    let per_piece = (1 << 20) / 188;
    let pieces = total / (per_piece * 184) + 1;
    std::iter::once(head).chain((0..pieces).map(move |_| {
        let mut out = Vec::with_capacity(per_piece * 188);
        for _ in 0..per_piece {
            out.extend([0x47, (pid >> 8) as u8, pid as u8, 0x10 | cc]);
            cc = (cc + 1) % 16;
            out.extend([0u8; 184]);
        }
        out
    }))
}

#[test]
fn endless_pes_is_refused_at_its_limit() {
    let e = analyze(
        endless_pes(VIDEO_PID, 0xe0, limits::MAX_VIDEO_PES_BYTES + (2 << 20)),
        settings(),
    );
    assert_limit(&e, "PES packet on PID 0x0100");
    assert_limit(&e, "exceeds the 64 MiB limit");

    // An audio PES without a length (AC-3 here) has a smaller limit.
    let e = analyze(
        endless_pes(0x200, 0xbd, limits::MAX_AUDIO_PES_BYTES + (1 << 20)),
        settings(),
    );
    assert_limit(&e, "PES packet on PID 0x0200");
    assert_limit(&e, "exceeds the 1 MiB limit");
}

#[test]
fn endless_access_unit_is_refused_at_its_limit() {
    // SEI after SEI and never a slice: one access unit that never ends,
    // each PES well under the PES limit.
    let mut head = Vec::new();
    psi(&mut head, 0, 0);
    let mut cc = 0;
    let pieces = (0..limits::MAX_ACCESS_UNIT_BYTES / (1 << 20) + 2).map(move |i| {
        let mut out = if i == 0 { head.clone() } else { Vec::new() };
        let sei = nal(0x06, &vec![0x05; 1 << 20]);
        video_pes(&mut out, &mut cc, &sei, 90_000 + i as u64 * 3600);
        out
    });
    let e = analyze(pieces, settings());
    assert_limit(&e, "an access unit of over 64 MiB exceeds the 64 MiB limit");
}

#[test]
fn thousands_of_programs_and_pids_are_bounded() {
    // 8,000 PIDs before any table: the packets kept to replay once the
    // PMT comes are bounded.
    let mut ts = Vec::new();
    for pid in 0x20..0x20 + 8000u16 {
        let mut cc = 0;
        packets(&mut ts, pid, &mut cc, &[0u8; 100], None);
    }
    let mut analyzer = Analyzer::new(settings()).unwrap();
    analyzer.push(&ts).unwrap();
    assert!(
        analyzer.buffered_bytes() < 4 << 20,
        "{}",
        analyzer.buffered_bytes()
    );

    // A PAT announcing 3,000 programs, in sections of 250.
    let mut ts = Vec::new();
    let mut cc = 0;
    for first in (0..3000u16).step_by(250) {
        let body: Vec<u8> = (first..first + 250)
            .flat_map(|p| {
                let pid = 0x20 + p;
                [
                    ((p + 1) >> 8) as u8,
                    (p + 1) as u8,
                    0xe0 | (pid >> 8) as u8,
                    pid as u8,
                ]
            })
            .collect();
        packets(&mut ts, 0, &mut cc, &section(0x00, 1, &body), None);
    }
    let e = analyze([ts], settings());
    assert_limit(&e, "256-program limit");

    // A program with 40 audio tracks.
    let mut ts = Vec::new();
    psi(&mut ts, 40, 0x81);
    let e = analyze([ts], settings());
    assert_limit(&e, "40 audio tracks");
    assert_limit(&e, "32-track limit");
}

#[test]
fn endless_run_without_random_access_is_refused_at_the_chunk_limit() {
    // One IDR, then P frames for ever: a chunk cannot be cut, and holding
    // it all would hold the whole file.
    let mut head = Vec::new();
    psi(&mut head, 0, 0);
    let mut cc = 0;
    let frames = limits::MAX_CHUNK_UNITS + 100;
    let pieces = (0..frames / 100 + 1).map(move |block| {
        let mut out = if block == 0 { head.clone() } else { Vec::new() };
        for i in block * 100..block * 100 + 100 {
            let es = if i == 0 {
                [sps(4, 4), pps(), slice(true, 0)].concat()
            } else {
                slice(false, i as u32)
            };
            video_pes(&mut out, &mut cc, &es, 90_000 + i as u64 * 3600);
        }
        out
    });
    let e = analyze(pieces.clone(), settings());
    assert_limit(&e, "9001 frames exceeds the 9000-frame chunk limit");

    // Split-anywhere cuts between random-access points while the warm-up
    // stays short against the output, then meets the same limit (and the
    // weighing of cut points stays fast as the run grows).
    let anywhere = Settings {
        video: VideoMode::H264(Default::default()),
        split: Split::Anywhere,
        ..Settings::default()
    };
    let e = analyze(pieces, anywhere);
    assert_limit(&e, "exceeds the 9000-frame chunk limit");
}
