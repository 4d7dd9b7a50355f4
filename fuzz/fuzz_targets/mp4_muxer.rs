//! The MP4 muxer fed fuzzed sample metadata (sizes, timestamps, sync flags,
//! audio tracks): `header()` returns a file header or a named error, never
//! a panic; the fragmented muxer likewise.
#![no_main]
use fanout::mux::mp4::fragmented::FragmentedMp4Muxer;
use fanout::mux::mp4::{AudioTrack, Mp4Muxer, VideoCodec, VideoTrack};
use libfuzzer_sys::fuzz_target;

fn read<const N: usize>(data: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = data.split_first_chunk::<N>()?;
    *data = rest;
    Some(*head)
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let Some(config) = read::<8>(&mut data) else {
        return;
    };
    let video = VideoTrack {
        codec: VideoCodec::Av1 {
            // A real av1C (Fanout's output for the bundled sample).
            av1c: vec![
                0x81, 0x1f, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0xfa, 0x23, 0x07, 0x2b, 0x10,
                0x85, 0x40, 0x50,
            ],
            bit_depth: 8,
        },
        width: u32::from(u16::from_le_bytes([config[0], config[1]])),
        height: u32::from(u16::from_le_bytes([config[2], config[3]])),
        pixel_aspect: Some((u32::from(config[4]), u32::from(config[5]))),
        default_frame_duration: u32::from(config[6]),
    };
    let tracks = (config[7] % 4) as usize;
    let audio: Vec<AudioTrack> = (0..tracks)
        .map(|i| AudioTrack {
            sample_rate: [48_000, 44_100, 0, 8_000][i],
            channels: 2,
            audio_specific_config: vec![0x11, 0x90],
            samples_per_frame: 1024,
            language: "eng".into(),
            priming: if i == 1 { 1024 } else { 0 },
        })
        .collect();
    let mut muxer = Mp4Muxer::with_audio_tracks(video.clone(), audio.clone());
    let mut fragmented = FragmentedMp4Muxer::new(video, audio);
    let payload = [0u8; 64];
    while let Some(sample) = read::<12>(&mut data) {
        let size = u32::from(sample[1]) * 7;
        let dts = i64::from(i32::from_le_bytes([
            sample[2], sample[3], sample[4], sample[5],
        ]));
        let pts = dts + i64::from(i16::from_le_bytes([sample[6], sample[7]]));
        let bytes = &payload[..(size as usize).min(payload.len())];
        match sample[0] % 8 {
            0..=3 => {
                muxer.add_video_sample(size, dts, pts, sample[8] & 1 == 1);
                fragmented.add_video_sample(bytes, dts, pts, sample[8] & 1 == 1);
            }
            4..=6 => {
                let track = usize::from(sample[9] % 5);
                muxer.add_audio_sample_to(track, size, pts);
                let _ = fragmented.add_audio_sample_to(track, bytes, pts);
            }
            _ => {
                let _ = fragmented.end_fragment();
            }
        }
    }
    let _ = muxer.header();
    let _ = fragmented.finish();
});
