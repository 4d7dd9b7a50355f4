//! The analyzer's audio side: every selected audio stream's PES packets in,
//! per track either ADTS frames to pass through or compressed frames placed
//! on the track's sample timeline, cut into [`AudioSegment`]s as chunks are
//! planned.

use std::collections::VecDeque;

use super::frame::{self, Framer};
use super::segment::{DECODER_WARMUP, ENCODER_POSTROLL, ENCODER_PREROLL};
use super::{aac_lc_config, AudioPacket, AudioSegment, AudioTrackInfo, AAC_FRAME, AAC_RATES};
use crate::codec::adts::AdtsHeader;
use crate::demux::{AudioCodec, AudioStream, PesPacket};
use crate::error::Warning;
use crate::plan::{Continuity, TICKS_PER_SECOND};

/// What to do with audio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AudioMode {
    /// AAC passed through, everything else encoded to AAC-LC.
    #[default]
    Aac,
    /// No audio in the output.
    None,
}

/// Which audio tracks to keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AudioTracks {
    #[default]
    All,
    /// Only the first audio stream of the program.
    First,
}

/// Audio options of a transcode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AudioSettings {
    #[serde(default)]
    pub mode: AudioMode,
    #[serde(default)]
    pub tracks: AudioTracks,
    /// AAC bitrate of an encoded track, bits per second (default: 64 kbit/s
    /// per channel).
    #[serde(default)]
    pub bitrate: Option<u32>,
    /// Downmix encoded tracks to this many channels (1 or 2).
    #[serde(default)]
    pub channels: Option<u16>,
}

/// One ADTS AAC frame (header removed) of a passed-through track.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioFrame {
    /// Output track index (see [`AudioIngest::take_frames`]).
    pub track: u32,
    pub data: Vec<u8>,
    pub pts: i64,
}

enum State {
    /// Not known yet what the stream holds (mislabelled or unlabelled).
    Sniff,
    Adts(AdtsState),
    Coded(CodedState),
    Dropped,
}

#[derive(Default)]
struct AdtsState {
    carry: Vec<u8>,
    /// Timestamp of the next frame, in samples at the rate since `base_pts`.
    base_pts: Option<i64>,
    samples_since_base: i64,
}

struct CodedState {
    codec: AudioCodec,
    framer: Framer,
    /// 90 kHz time of sample 0.
    origin: Option<i64>,
    /// Where the next frame goes when its timestamp agrees.
    next_position: i64,
    packets: VecDeque<AudioPacket>,
    /// First AAC frame of the next segment.
    next_frame: i64,
    /// LATM: the frames that carry a StreamMuxConfig (most frames only say
    /// "same as before"), by position, so a segment can start its decoder
    /// with the configuration in force.
    latm_configs: VecDeque<(i64, Vec<u8>)>,
    /// LATM: rate, channels and samples per frame, from decoding the first
    /// frame with a configuration.
    latm_info: Option<frame::FrameInfo>,
}

struct Track {
    stream: AudioStream,
    state: State,
    clock: Continuity,
    info: Option<AudioTrackInfo>,
    /// Output track index, once the output's track list is fixed.
    output: Option<u32>,
    /// 90 kHz end of the latest frame demuxed.
    horizon: Option<i64>,
    /// Why it was dropped (for the plan's track list).
    dropped_why: Option<String>,
}

/// What a transcode does with one audio stream of the program.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AudioFate {
    pub pid: u16,
    pub codec: String,
    pub language: Option<String>,
    /// `copy`, `transcode` (to AAC-LC) or `drop`.
    pub action: &'static str,
    pub sample_rate: Option<u32>,
    /// Output channels (the source's, or the downmix asked for).
    pub channels: Option<u16>,
    /// Why, in plain words.
    pub why: String,
}

/// Audio ingest for all tracks (see the module docs).
pub struct AudioIngest {
    settings: AudioSettings,
    tracks: Vec<Track>,
    frames: VecDeque<AudioFrame>,
    warnings: Vec<Warning>,
    limit_pts: Option<i64>,
    /// The output track list is fixed (the first chunk went out).
    fixed: bool,
    /// A track's format past [`crate::limits::check_audio`]: the transcode stops.
    limit_error: Option<String>,
}

/// A chunk may wait this long (90 kHz, past its end on the video clock) for
/// a track's audio before it goes without: a stream whose audio stops early
/// must not hold the video back or fill memory.
const MAX_AUDIO_LAG: i64 = 10 * TICKS_PER_SECOND;

impl AudioIngest {
    pub fn new(settings: AudioSettings) -> Self {
        AudioIngest {
            settings,
            tracks: Vec::new(),
            frames: VecDeque::new(),
            warnings: Vec::new(),
            limit_pts: None,
            fixed: false,
            limit_error: None,
        }
    }

    /// The limit a track's format broke, once (see [`crate::limits`]).
    pub fn take_limit_error(&mut self) -> Option<crate::Error> {
        self.limit_error.take().map(crate::Error::Limit)
    }

    /// The program's audio streams, once the demuxer chose them.
    pub fn select(&mut self, streams: &[AudioStream]) {
        if self.settings.mode == AudioMode::None {
            return;
        }
        let keep = match self.settings.tracks {
            AudioTracks::All => streams.len(),
            AudioTracks::First => 1,
        };
        for (i, stream) in streams.iter().enumerate() {
            let state = if i >= keep {
                self.warn(
                    None,
                    format!(
                        "audio stream {} on PID {:#06x} left out (--audio-tracks first)",
                        stream.codec.name(),
                        stream.pid
                    ),
                );
                State::Dropped
            } else {
                match stream.codec {
                    AudioCodec::AacAdts => State::Adts(AdtsState::default()),
                    AudioCodec::MpegAudio | AudioCodec::Other(_) => State::Sniff,
                    codec => State::Coded(CodedState::new(codec)),
                }
            };
            let dropped_why = matches!(state, State::Dropped)
                .then(|| "only the first track is kept (audio tracks: first)".to_string());
            self.tracks.push(Track {
                dropped_why,
                stream: stream.clone(),
                state,
                clock: Continuity::default(),
                info: None,
                output: None,
                horizon: None,
            });
        }
    }

    /// Audio at or after this time is not kept (`-t`).
    pub fn set_limit(&mut self, limit_pts: Option<i64>) {
        self.limit_pts = limit_pts;
    }

    fn warn(&mut self, offset: Option<u64>, message: String) {
        self.warnings.push(Warning { offset, message });
    }

    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// Passed-through frames demuxed so far, once the output's track list
    /// is fixed (until then they wait here).
    pub fn take_frames(&mut self) -> Vec<AudioFrame> {
        if !self.fixed {
            return Vec::new();
        }
        let tracks = &self.tracks;
        self.frames
            .drain(..)
            .filter_map(|mut f| {
                f.track = tracks.get(f.track as usize)?.output?;
                Some(f)
            })
            .collect()
    }

    /// Bytes held (compressed frames waiting for their segments).
    pub fn buffered_bytes(&self) -> usize {
        self.tracks
            .iter()
            .map(|t| match &t.state {
                State::Coded(c) => {
                    c.framer.carried() + c.packets.iter().map(|p| p.data.len()).sum::<usize>()
                }
                State::Adts(a) => a.carry.len(),
                _ => 0,
            })
            .sum::<usize>()
            + self.frames.iter().map(|f| f.data.len()).sum::<usize>()
    }

    /// The output's audio tracks. Fixes the list on the first call: a track
    /// that has shown no frame by then is left out.
    pub fn output_tracks(&mut self) -> Vec<AudioTrackInfo> {
        if !self.fixed {
            self.fixed = true;
            let mut next = 0;
            let mut missing = Vec::new();
            for t in &mut self.tracks {
                if matches!(t.state, State::Dropped) {
                    continue;
                }
                if t.info.is_some() {
                    t.output = Some(next);
                    next += 1;
                } else {
                    t.state = State::Dropped;
                    t.dropped_why = Some("no audio frame in it".into());
                    missing.push((t.stream.codec.name(), t.stream.pid));
                }
            }
            for (codec, pid) in missing {
                self.warn(
                    None,
                    format!("audio stream {codec} on PID {pid:#06x} dropped: no audio frame in it"),
                );
            }
        }
        self.tracks
            .iter()
            .filter(|t| t.output.is_some())
            .filter_map(|t| t.info.clone())
            .collect()
    }

    /// Every audio stream of the program and what happens to it (final
    /// once the output's track list is fixed).
    pub fn fates(&self, streams: &[AudioStream]) -> Vec<AudioFate> {
        streams
            .iter()
            .map(|stream| {
                let track = self.tracks.iter().find(|t| t.stream.pid == stream.pid);
                let info = track.and_then(|t| t.output.and(t.info.as_ref()));
                let (action, why) = match (track, info) {
                    _ if self.settings.mode == AudioMode::None => {
                        ("drop", "audio is off".to_string())
                    }
                    (_, Some(i)) if i.passthrough => ("copy", "AAC is kept as it is".to_string()),
                    (_, Some(i)) => ("transcode", format!("{} is encoded to AAC-LC", i.source)),
                    (Some(t), None) => (
                        "drop",
                        t.dropped_why
                            .clone()
                            .unwrap_or_else(|| "no audio frame seen yet".into()),
                    ),
                    (None, None) => ("drop", "not selected".to_string()),
                };
                AudioFate {
                    pid: stream.pid,
                    // What the data turned out to be (a mislabelled stream's too).
                    codec: info.map_or_else(|| stream.codec.name(), |i| i.source.clone()),
                    language: stream.language.clone(),
                    action,
                    sample_rate: info.map(|i| i.sample_rate),
                    channels: info.map(|i| i.channels),
                    why,
                }
            })
            .collect()
    }

    /// Whether every live track has audio up to `end_pts` (plus the encoder
    /// post-roll), given the video has reached `video_pts`.
    pub fn ready_for(&self, end_pts: i64, video_pts: Option<i64>) -> bool {
        if video_pts.is_some_and(|v| v > end_pts.saturating_add(MAX_AUDIO_LAG)) {
            return true;
        }
        self.tracks.iter().all(|t| {
            if matches!(t.state, State::Dropped) || (self.fixed && t.output.is_none()) {
                return true;
            }
            let margin = match (&t.state, &t.info) {
                (State::Coded(_), Some(info)) => {
                    (ENCODER_POSTROLL + AAC_FRAME) * TICKS_PER_SECOND
                        / i64::from(info.sample_rate.max(1))
                }
                _ => 0,
            };
            t.horizon
                .is_some_and(|h| h >= end_pts.saturating_add(margin))
        })
    }

    /// The segments of the chunk `[start_pts, end_pts)` (`end_pts` is
    /// `i64::MAX` for the last chunk), one per encoded track.
    pub fn segments(&mut self, end_pts: i64) -> Vec<AudioSegment> {
        let bitrate = self.settings.bitrate;
        let mut out = Vec::new();
        for t in &mut self.tracks {
            let (Some(output), Some(info), State::Coded(c)) = (t.output, &t.info, &mut t.state)
            else {
                continue;
            };
            let Some(origin) = c.origin else { continue };
            let rate = i64::from(info.sample_rate);
            let first_frame = c.next_frame;
            let end_frame = (end_pts != i64::MAX).then(|| {
                let samples = (i128::from(end_pts - origin) * i128::from(rate)
                    / i128::from(TICKS_PER_SECOND)) as i64;
                ((samples + AAC_FRAME / 2).div_euclid(AAC_FRAME)).max(first_frame)
            });
            let from = first_frame * AAC_FRAME - ENCODER_PREROLL - DECODER_WARMUP;
            let to = end_frame.map_or(i64::MAX, |e| e * AAC_FRAME + ENCODER_POSTROLL);
            let mut packets: Vec<AudioPacket> = c
                .packets
                .iter()
                .filter(|p| p.position + i64::from(p.samples) > from && p.position < to)
                .cloned()
                .collect();
            // LATM: start the decoder with the configuration in force (a
            // packet of no samples: decoded, nothing placed).
            if let Some(first) = packets.first() {
                if let Some((_, config)) = c
                    .latm_configs
                    .iter()
                    .rev()
                    .find(|(p, _)| *p <= first.position)
                {
                    if *config != first.data {
                        packets.insert(
                            0,
                            AudioPacket {
                                position: first.position,
                                samples: 0,
                                data: config.clone(),
                            },
                        );
                    }
                }
            }
            out.push(AudioSegment {
                track: output,
                codec: c.codec,
                sample_rate: info.sample_rate,
                channels: info.channels,
                bitrate: bitrate.unwrap_or(64_000 * u32::from(info.channels)),
                origin_pts: origin,
                first_frame,
                end_frame,
                packets,
            });
            // What the next segment no longer needs.
            if let Some(end) = end_frame {
                c.next_frame = end;
                let keep_from = end * AAC_FRAME - ENCODER_PREROLL - DECODER_WARMUP;
                while c
                    .packets
                    .front()
                    .is_some_and(|p| p.position + i64::from(p.samples) <= keep_from)
                {
                    c.packets.pop_front();
                }
                // Keep the last configuration before what is left.
                while c.latm_configs.len() > 1 && c.latm_configs[1].0 <= keep_from {
                    c.latm_configs.pop_front();
                }
            } else {
                c.packets.clear();
            }
        }
        out
    }

    /// One PES of `selection.audio[index]`.
    pub fn push(&mut self, index: usize, mut pes: PesPacket) {
        let Some(track) = self.tracks.get_mut(index) else {
            return;
        };
        if let Some(t) = pes.pts {
            // After a jump the next PES follows the end of the audio so far
            // (a PES often holds several frames).
            let step = match (track.horizon, track.clock.last()) {
                (Some(h), Some(last)) if h > last && h != i64::MAX => h - last,
                _ => 1920,
            };
            track.clock.apply(t, step);
            pes.pts = Some(t + track.clock.offset);
        }
        if matches!(track.state, State::Sniff) {
            let d = &pes.data;
            let adts = d.len() >= 2 && d[0] == 0xff && d[1] & 0xf6 == 0xf0;
            let ac3 = d.len() >= 2 && d[0] == 0x0b && d[1] == 0x77;
            let mpeg = frame::mpeg_audio(d).is_ok();
            track.state = if adts {
                State::Adts(AdtsState::default())
            } else if ac3 {
                let eac3 = d.len() > 5 && d[5] >> 3 > 10;
                State::Coded(CodedState::new(if eac3 {
                    AudioCodec::Eac3
                } else {
                    AudioCodec::Ac3
                }))
            } else if mpeg && track.stream.codec == AudioCodec::MpegAudio {
                State::Coded(CodedState::new(AudioCodec::MpegAudio))
            } else if d.is_empty() {
                State::Sniff
            } else {
                let (codec, pid) = (track.stream.codec.name(), track.stream.pid);
                track.state = State::Dropped;
                track.dropped_why = Some("its data is neither AAC, AC-3 nor MPEG audio".into());
                self.warn(
                    Some(pes.offset),
                    format!(
                        "audio stream {codec} on PID {pid:#06x} dropped: its data is neither AAC, AC-3 nor MPEG audio"
                    ),
                );
                return;
            };
        }
        let limit = self.limit_pts;
        let mut warnings = Vec::new();
        match &mut self.tracks[index].state {
            State::Adts(_) => self.push_adts(index, &pes, limit, &mut warnings),
            State::Coded(_) => self.push_coded(index, &pes, limit, &mut warnings),
            State::Sniff | State::Dropped => {}
        }
        for (offset, message) in warnings {
            self.warn(offset, message);
        }
    }

    fn push_adts(
        &mut self,
        index: usize,
        pes: &PesPacket,
        limit: Option<i64>,
        warnings: &mut Vec<(Option<u64>, String)>,
    ) {
        let fixed = self.fixed;
        let track = &mut self.tracks[index];
        let State::Adts(audio) = &mut track.state else {
            return;
        };
        if pes.damaged {
            // A frame cut by lost packets cannot be trusted; resync on this PES.
            audio.carry.clear();
        }
        let mut data = std::mem::take(&mut audio.carry);
        let carried = data.len();
        data.extend_from_slice(&pes.data);
        let mut pos = 0;
        let mut first = true;
        while pos < data.len() {
            let header = match AdtsHeader::parse(&data[pos..]) {
                Ok(h) => h,
                Err(_) if data.len() - pos < 9 => break,
                Err(e) => {
                    // Skip to the next sync word.
                    match data[pos + 1..]
                        .windows(2)
                        .position(|w| w[0] == 0xff && w[1] & 0xf6 == 0xf0)
                    {
                        Some(skip) => {
                            warnings.push((
                                Some(pes.offset),
                                format!("AAC: {e}; skipped {} bytes", skip + 1),
                            ));
                            pos += skip + 1;
                            continue;
                        }
                        None => {
                            warnings.push((
                                Some(pes.offset),
                                format!("AAC: {e}; rest of the PES dropped"),
                            ));
                            pos = data.len();
                            break;
                        }
                    }
                }
            };
            if pos + header.frame_len > data.len() {
                break;
            }
            let info = AudioTrackInfo {
                source: "AAC (ADTS)".into(),
                passthrough: true,
                sample_rate: header.sample_rate,
                channels: u16::from(header.channel_configuration.max(1)),
                audio_specific_config: header.audio_specific_config(),
                language: track.stream.language.clone(),
                priming: 0,
            };
            match &track.info {
                None if !fixed => track.info = Some(info),
                None => {}
                Some(known) if known.audio_specific_config != info.audio_specific_config => {
                    warnings.push((
                        Some(pes.offset),
                        format!(
                            "AAC configuration changes mid-stream on PID {:#06x}; audio after this point dropped",
                            track.stream.pid
                        ),
                    ));
                    track.state = State::Dropped;
                    track.dropped_why = Some("its AAC configuration changes mid-stream".into());
                    return;
                }
                Some(_) => {}
            }
            // The PES timestamp belongs to the first frame that starts in it.
            if first && pos >= carried {
                if let Some(pts) = pes.pts {
                    audio.base_pts = Some(pts);
                    audio.samples_since_base = 0;
                }
                first = false;
            }
            if let Some(base) = audio.base_pts {
                let rate = i64::from(header.sample_rate.max(1));
                let pts = base + audio.samples_since_base * TICKS_PER_SECOND / rate;
                audio.samples_since_base += 1024;
                track.horizon = Some(pts + 1024 * TICKS_PER_SECOND / rate);
                let in_limit = limit.is_none_or(|limit| pts < limit);
                if in_limit && (!fixed || track.output.is_some()) {
                    // Tagged with the source track until `take_frames`.
                    self.frames.push_back(AudioFrame {
                        track: index as u32,
                        data: data[pos + header.header_len..pos + header.frame_len].to_vec(),
                        pts,
                    });
                }
            }
            pos += header.frame_len;
        }
        audio.carry = data.get(pos..).unwrap_or(&[]).to_vec();
    }

    fn push_coded(
        &mut self,
        index: usize,
        pes: &PesPacket,
        limit: Option<i64>,
        warnings: &mut Vec<(Option<u64>, String)>,
    ) {
        let fixed = self.fixed;
        let wanted_channels = self.settings.channels;
        let track = &mut self.tracks[index];
        let State::Coded(c) = &mut track.state else {
            return;
        };
        if pes.damaged {
            c.framer.reset();
        }
        // Cut the PES into frames with their sample counts.
        let mut cut: Vec<(Vec<u8>, Option<frame::FrameInfo>, bool)> = Vec::new();
        if c.codec == AudioCodec::Lpcm {
            match frame::lpcm(&pes.data) {
                Ok(h) => {
                    let samples = h.frames(pes.data.len());
                    cut.push((
                        pes.data.clone(),
                        Some(frame::FrameInfo {
                            len: pes.data.len(),
                            sample_rate: h.sample_rate,
                            channels: h.channels,
                            samples: samples as u32,
                        }),
                        true,
                    ));
                }
                Err(e) => warnings.push((Some(pes.offset), format!("LPCM: {e}; PES dropped"))),
            }
        } else {
            let (frames, skipped) = c.framer.push(c.codec, &pes.data);
            if skipped > 0 {
                warnings.push((
                    Some(pes.offset),
                    format!(
                        "{} on PID {:#06x}: skipped {skipped} bytes to the next frame",
                        c.codec.name(),
                        track.stream.pid
                    ),
                ));
            }
            cut.extend(
                frames
                    .into_iter()
                    .map(|f| (f.data, f.info, f.starts_in_pes)),
            );
        }
        let mut first = true;
        for (data, info, starts_in_pes) in cut {
            // LATM says nothing about its rate in the header: ask the decoder
            // once, on the first frame that carries its configuration.
            let carries_config =
                c.codec == AudioCodec::AacLatm && data.get(3).is_some_and(|b| b & 0x80 == 0);
            if carries_config && c.latm_info.is_none() {
                c.latm_info = latm_info(&data);
            }
            let info = match info.or(c.latm_info.map(|i| frame::FrameInfo {
                len: data.len(),
                ..i
            })) {
                Some(i) => i,
                // Frames before the first configuration cannot be decoded.
                None => continue,
            };
            if track.info.is_none() && !fixed {
                if let Err(crate::Error::Limit(why)) =
                    crate::limits::check_audio(info.channels, info.sample_rate)
                {
                    let pid = track.stream.pid;
                    self.limit_error.get_or_insert(format!(
                        "audio stream {} on PID {pid:#06x}: {why}",
                        c.codec.name()
                    ));
                    track.state = State::Dropped;
                    return;
                }
                let channels = match wanted_channels {
                    Some(n) => n.min(info.channels).max(1),
                    // Mono, stereo and 5.1 map onto AAC's channel
                    // configurations as they are; rarer layouts go to stereo.
                    None if matches!(info.channels, 1 | 2 | 6) => info.channels,
                    None => 2,
                };
                let Some(asc) = aac_lc_config(info.sample_rate, channels)
                    .filter(|_| AAC_RATES.contains(&info.sample_rate))
                else {
                    warnings.push((
                        Some(pes.offset),
                        format!(
                            "audio stream {} on PID {:#06x} dropped: {} Hz cannot be coded as AAC",
                            c.codec.name(),
                            track.stream.pid,
                            info.sample_rate
                        ),
                    ));
                    track.state = State::Dropped;
                    track.dropped_why =
                        Some(format!("{} Hz cannot be coded as AAC", info.sample_rate));
                    return;
                };
                track.info = Some(AudioTrackInfo {
                    source: c.codec.name(),
                    passthrough: false,
                    sample_rate: info.sample_rate,
                    channels,
                    audio_specific_config: asc,
                    language: track.stream.language.clone(),
                    priming: super::encode::PRIMING as u32,
                });
            }
            let Some(known) = &track.info else {
                return;
            };
            if info.sample_rate != known.sample_rate {
                // A frame at another rate cannot join this track's timeline.
                continue;
            }
            let rate = i64::from(known.sample_rate);
            let pts = (starts_in_pes && first).then_some(pes.pts).flatten();
            if starts_in_pes {
                first = false;
            }
            if c.origin.is_none() {
                let Some(pts) = pts else { continue };
                c.origin = Some(pts);
            }
            let origin = c.origin.expect("set above");
            let mut position = c.next_position;
            if let Some(pts) = pts {
                let at = (i128::from(pts - origin) * i128::from(rate)
                    / i128::from(TICKS_PER_SECOND)) as i64;
                // Timestamps jitter by a sample or two; a jump of more than a
                // frame is a gap (silence goes there) or an overlap.
                if (at - position).abs() > i64::from(info.samples) {
                    position = at.max(0);
                }
            }
            if limit.is_some_and(|l| origin + position * TICKS_PER_SECOND / rate >= l) {
                track.horizon = Some(i64::MAX);
                continue;
            }
            if carries_config {
                c.latm_configs.push_back((position, data.clone()));
            }
            c.next_position = position + i64::from(info.samples);
            track.horizon = Some(origin + c.next_position * TICKS_PER_SECOND / rate);
            c.packets.push_back(AudioPacket {
                position,
                samples: info.samples,
                data,
            });
        }
    }

    /// The end of the input: every track is as complete as it gets.
    pub fn finish(&mut self) {
        for t in &mut self.tracks {
            t.horizon = Some(i64::MAX);
            if let State::Adts(a) = &t.state {
                if !a.carry.is_empty() {
                    let n = a.carry.len();
                    self.warnings.push(Warning {
                        offset: None,
                        message: format!("last AAC frame cut short ({n} bytes dropped)"),
                    });
                }
            }
        }
    }
}

impl CodedState {
    fn new(codec: AudioCodec) -> Self {
        CodedState {
            codec,
            framer: Framer::default(),
            origin: None,
            next_position: 0,
            packets: VecDeque::new(),
            next_frame: 0,
            latm_configs: VecDeque::new(),
            latm_info: None,
        }
    }
}

/// Rate, channels and samples of a LOAS frame, from decoding it.
fn latm_info(data: &[u8]) -> Option<frame::FrameInfo> {
    let mut decoder = rusty_aac::latm::LatmDecoder::new();
    let (audio, _) = decoder.decode(data, None).ok()?;
    Some(frame::FrameInfo {
        len: data.len(),
        sample_rate: audio.sample_rate,
        channels: audio.channels,
        samples: audio.frames() as u32,
    })
}
