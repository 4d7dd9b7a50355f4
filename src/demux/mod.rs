//! Demux: MPEG transport stream bytes in, elementary-stream packets out.
//!
//! [`TsDemuxer`] is push-based so that the same code runs over a file read in
//! pieces natively and over `Blob.slice` reads in the browser: feed it pieces
//! of any size with [`TsDemuxer::push`], take [`DemuxEvent`]s with
//! [`TsDemuxer::next_event`], and call [`TsDemuxer::finish`] at the end. Its
//! memory is a fixed set of per-PID buffers, bounded by one PES packet each.

pub mod ts;

use std::collections::{HashMap, VecDeque};

use crate::error::{Error, Result, Warning};
use crate::limits;
use ts::{PacketFormat, SectionAssembler, TimestampUnwrapper, TS_PACKET};

/// Bytes looked at before giving up on finding packet sync.
const SYNC_SEARCH_LIMIT: usize = 64 * 1024;
/// Packets kept from before the first PMT, to be replayed once it arrives
/// (streams cut from the middle of a broadcast start before their PAT).
const MAX_PRELUDE_PACKETS: usize = 16 * 1024;

/// Video codecs named by PMT stream types.
pub use crate::codec::VideoCodecId as VideoCodec;

/// Audio codecs named by PMT stream types and descriptors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum AudioCodec {
    /// AAC in ADTS: passed through.
    AacAdts,
    AacLatm,
    MpegAudio,
    Ac3,
    Eac3,
    Dts,
    Lpcm,
    Other(u8),
}

impl AudioCodec {
    fn from_stream(stream: &ts::PmtStream) -> Option<Self> {
        let has = |tag: u8| stream.descriptors.iter().any(|(t, _)| *t == tag);
        let registration = stream
            .descriptors
            .iter()
            .find(|(t, d)| *t == 0x05 && d.len() >= 4)
            .map(|(_, d)| [d[0], d[1], d[2], d[3]]);
        Some(match stream.stream_type {
            0x0f => Self::AacAdts,
            0x11 => Self::AacLatm,
            0x03 | 0x04 => Self::MpegAudio,
            0x81 => Self::Ac3,
            0x87 => Self::Eac3,
            0x82 | 0x85 | 0x86 => Self::Dts,
            0x80 | 0x83 => Self::Lpcm,
            0x06 if has(0x6a) || registration == Some(*b"AC-3") => Self::Ac3,
            0x06 if has(0x7a) || registration == Some(*b"EAC3") => Self::Eac3,
            0x06 if has(0x7b) || registration.is_some_and(|r| r.starts_with(b"DTS")) => Self::Dts,
            // Teletext, subtitles, VBI: not audio.
            0x06 if has(0x56) || has(0x59) || has(0x45) || has(0x46) => return None,
            // Unlabelled private data (ffmpeg's M2TS mode puts AAC here): sniffed.
            0x06 => Self::Other(0x06),
            _ => return None,
        })
    }

    /// The codec's usual name.
    pub fn name(self) -> String {
        match self {
            Self::AacAdts => "AAC (ADTS)".into(),
            Self::AacLatm => "AAC (LATM)".into(),
            Self::MpegAudio => "MPEG-1/2 audio (MP2/MP3)".into(),
            Self::Ac3 => "AC-3".into(),
            Self::Eac3 => "E-AC-3".into(),
            Self::Dts => "DTS".into(),
            Self::Lpcm => "LPCM".into(),
            Self::Other(t) => format!("stream type {t:#04x}"),
        }
    }
}

/// Which elementary streams the demuxer settled on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StreamSelection {
    pub program_number: u16,
    pub video_pid: u16,
    pub video_codec: VideoCodec,
    /// Every audio stream kept, in PMT order (the first is the default).
    pub audio: Vec<AudioStream>,
    /// The program's other streams, each with why it is not carried.
    pub left_out: Vec<LeftOutStream>,
}

/// A stream of the selected program that the output will not carry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LeftOutStream {
    pub pid: u16,
    pub stream_type: u8,
    /// What it is ("DTS audio", "DVB subtitles", ...).
    pub what: String,
    pub why: String,
}

/// What a stream that is neither the selected video nor kept audio is.
fn describe_left_out(stream: &ts::PmtStream) -> (String, String) {
    let has = |tag: u8| stream.descriptors.iter().any(|(t, _)| *t == tag);
    if let Some(codec) = VideoCodec::from_stream_type(stream.stream_type) {
        let why = if codec.is_supported() {
            "only the program's first video stream is transcoded"
        } else {
            "Fanout does not decode this codec, and only one video stream is carried"
        };
        return (format!("{} video", codec.name()), why.into());
    }
    let what = match stream.stream_type {
        0x06 if has(0x56) => "teletext",
        0x06 if has(0x59) => "DVB subtitles",
        0x06 if has(0x45) || has(0x46) => "VBI data",
        0x86 => "SCTE-35 cue messages",
        0x15 => "ID3 timed metadata",
        0x90 => "presentation graphics subtitles",
        0x05 | 0x0b..=0x0d => "data",
        _ => "",
    };
    let what = if what.is_empty() {
        format!("stream type {:#04x}", stream.stream_type)
    } else {
        what.to_string()
    };
    (what, "not carried in the MP4 (video and audio only)".into())
}

/// One audio elementary stream of the selected program.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AudioStream {
    pub pid: u16,
    pub codec: AudioCodec,
    /// ISO 639-2 code from the PMT's language descriptor, lower case.
    pub language: Option<String>,
}

/// One reassembled PES packet of the selected video or audio stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PesPacket {
    /// Byte offset of the packet that started this PES.
    pub offset: u64,
    /// Unwrapped 90 kHz timestamps.
    pub pts: Option<i64>,
    pub dts: Option<i64>,
    /// Elementary stream bytes.
    pub data: Vec<u8>,
    /// Packets were lost or cut inside this PES: its contents are suspect.
    pub damaged: bool,
}

/// Which elementary stream a packet belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Video,
    Audio(usize),
}

/// What the demuxer hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DemuxEvent {
    /// The program and streams were chosen (once, before any packet).
    Selected(StreamSelection),
    Video(PesPacket),
    /// A PES of `selection.audio[index]`.
    Audio(usize, PesPacket),
    Warning(Warning),
}

#[derive(Default)]
struct PesAssembler {
    buf: Vec<u8>,
    offset: u64,
    pts: Option<u64>,
    dts: Option<u64>,
    /// Expected payload length when PES_packet_length was set.
    expected: Option<usize>,
    damaged: bool,
    active: bool,
    last_cc: Option<u8>,
    unwrap_pts: TimestampUnwrapper,
    unwrap_dts: TimestampUnwrapper,
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct DemuxStats {
    pub packets: u64,
    pub continuity_errors: u64,
    pub resyncs: u64,
}

/// Push-based MPEG-TS demuxer (see the module docs).
pub struct TsDemuxer {
    format: Option<(PacketFormat, usize)>,
    /// Bytes not yet parsed: less than one packet once sync is found.
    pending: Vec<u8>,
    /// Absolute offset of `pending[0]` in the input.
    pending_offset: u64,
    pat: SectionAssembler,
    pmt_pids: HashMap<u16, u16>,
    pmt_sections: HashMap<u16, SectionAssembler>,
    pmts_seen: HashMap<u16, ts::Pmt>,
    selection: Option<StreamSelection>,
    video: PesAssembler,
    /// One per selected audio stream.
    audio: Vec<PesAssembler>,
    anchor: Option<i64>,
    events: VecDeque<DemuxEvent>,
    warned_scrambled: bool,
    stats: DemuxStats,
    prelude: VecDeque<([u8; TS_PACKET], u64)>,
    replay: bool,
}

impl Default for TsDemuxer {
    fn default() -> Self {
        Self::new()
    }
}

impl TsDemuxer {
    /// A demuxer waiting for its first bytes.
    pub fn new() -> Self {
        TsDemuxer {
            format: None,
            pending: Vec::new(),
            pending_offset: 0,
            pat: SectionAssembler::default(),
            pmt_pids: HashMap::new(),
            pmt_sections: HashMap::new(),
            pmts_seen: HashMap::new(),
            selection: None,
            video: PesAssembler::default(),
            audio: Vec::new(),
            anchor: None,
            events: VecDeque::new(),
            warned_scrambled: false,
            stats: DemuxStats::default(),
            prelude: VecDeque::new(),
            replay: false,
        }
    }

    /// The packet framing, once detected.
    pub fn packet_format(&self) -> Option<PacketFormat> {
        self.format.map(|(f, _)| f)
    }

    /// Counters so far.
    pub fn stats(&self) -> DemuxStats {
        self.stats
    }

    /// The chosen streams, once known.
    pub fn selection(&self) -> Option<&StreamSelection> {
        self.selection.as_ref()
    }

    /// Bytes held between calls (for the bounded-memory test).
    pub fn buffered_bytes(&self) -> usize {
        self.pending.capacity()
            + self.video.buf.capacity()
            + self.audio.iter().map(|a| a.buf.capacity()).sum::<usize>()
            + self.prelude.len() * TS_PACKET
    }

    /// Next event, if any is ready.
    pub fn next_event(&mut self) -> Option<DemuxEvent> {
        self.events.pop_front()
    }

    /// Feeds the next piece of the input.
    pub fn push(&mut self, data: &[u8]) -> Result<()> {
        self.pending.extend_from_slice(data);
        self.process(false)
    }

    /// Signals the end of the input: flushes the last PES packets and checks
    /// that a playable stream was found.
    pub fn finish(&mut self) -> Result<()> {
        self.process(true)?;
        if !self.pending.is_empty() {
            self.warn(
                Some(self.pending_offset),
                format!(
                    "file ends in the middle of a packet ({} stray bytes ignored): the input looks truncated",
                    self.pending.len()
                ),
            );
            self.pending.clear();
        }
        self.flush_pes(Stream::Video);
        for i in 0..self.audio.len() {
            self.flush_pes(Stream::Audio(i));
        }
        if self.selection.is_none() {
            return Err(self.no_selection_error());
        }
        Ok(())
    }

    fn no_selection_error(&self) -> Error {
        let mut programs: Vec<_> = self.pmts_seen.values().collect();
        programs.sort_by_key(|p| p.program_number);
        for pmt in &programs {
            for s in pmt.streams.iter().filter(|s| s.stream_type != 0x80) {
                if let Some(codec) = VideoCodec::from_stream_type(s.stream_type) {
                    return Error::UnsupportedCodec {
                        codec: codec.name().into(),
                        pid: s.pid,
                    };
                }
            }
        }
        if self.format.is_none() {
            Error::NotTransportStream("no packet sync bytes (0x47) found".into())
        } else if self.pmts_seen.is_empty() {
            Error::NoVideo(" (no program map table: PAT/PMT missing or damaged)".into())
        } else {
            Error::NoVideo(String::new())
        }
    }

    fn warn(&mut self, offset: Option<u64>, message: String) {
        self.events
            .push_back(DemuxEvent::Warning(Warning { offset, message }));
    }

    fn process(&mut self, at_end: bool) -> Result<()> {
        if self.format.is_none() {
            match ts::detect_format(&self.pending, at_end) {
                Some((format, start)) => {
                    self.format = Some((format, start));
                    self.consume(start);
                }
                None if at_end || self.pending.len() >= SYNC_SEARCH_LIMIT => {
                    return Err(Error::NotTransportStream(format!(
                        "no run of packet sync bytes (0x47 every 188 or 192 bytes) in the first {} bytes",
                        self.pending.len().min(SYNC_SEARCH_LIMIT)
                    )));
                }
                None => return Ok(()),
            }
        }
        let Some((format, _)) = self.format else {
            return Ok(());
        };
        let stride = format.stride();
        let sync_at = format.sync_offset();
        let mut pos = 0;
        while self.pending.len() - pos >= stride {
            let packet_offset = self.pending_offset + pos as u64;
            if self.pending[pos + sync_at] != 0x47 {
                // Lost sync: look for the next place where packets line up again.
                let search = &self.pending[pos + 1..];
                let found = (0..search.len()).find(|&i| {
                    let at = |k: usize| search.get(i + sync_at + k * stride);
                    at(0) == Some(&0x47)
                        && (at(1).is_none() || at(1) == Some(&0x47))
                        && (at(2).is_none() || at(2) == Some(&0x47))
                });
                self.stats.resyncs += 1;
                self.video.damaged |= self.video.active;
                for a in &mut self.audio {
                    a.damaged |= a.active;
                }
                match found {
                    Some(skip) => {
                        self.warn(
                            Some(packet_offset),
                            format!("lost packet sync; skipped {} bytes to resync", skip + 1),
                        );
                        pos += skip + 1;
                        continue;
                    }
                    None => {
                        pos = self.pending.len().saturating_sub(stride - 1);
                        break;
                    }
                }
            }
            let start = pos + sync_at;
            let mut packet = [0u8; TS_PACKET];
            packet.copy_from_slice(&self.pending[start..start + TS_PACKET]);
            self.packet(&packet, packet_offset)?;
            if self.replay {
                self.replay = false;
                for (packet, offset) in std::mem::take(&mut self.prelude) {
                    self.packet(&packet, offset)?;
                }
            }
            pos += stride;
        }
        self.consume(pos);
        Ok(())
    }

    fn consume(&mut self, n: usize) {
        self.pending.drain(..n);
        self.pending_offset += n as u64;
    }

    fn packet(&mut self, packet: &[u8; TS_PACKET], offset: u64) -> Result<()> {
        self.stats.packets += 1;
        let header = match ts::parse_header(packet) {
            Ok(h) => h,
            Err(why) => {
                let pid = u16::from(packet[1] & 0x1f) << 8 | u16::from(packet[2]);
                self.warn(
                    Some(offset),
                    format!("bad packet on PID {pid:#06x}: {why}; skipped"),
                );
                return Ok(());
            }
        };
        let payload = if header.has_payload {
            &packet[header.payload_start..]
        } else {
            &[][..]
        };
        if header.pid == 0 {
            if !payload.is_empty() {
                for section in self.pat.push(payload, header.payload_unit_start) {
                    if let Some(entries) = ts::parse_pat(&section) {
                        for e in entries {
                            let known = self.pmt_pids.contains_key(&e.pmt_pid);
                            if !known && self.pmt_pids.len() == limits::MAX_PROGRAMS {
                                return Err(limits::exceeded(
                                    "a PAT announcing",
                                    format_args!("more than {} programs", limits::MAX_PROGRAMS),
                                    format_args!(
                                        "{}-program limit (at byte {offset})",
                                        limits::MAX_PROGRAMS
                                    ),
                                ));
                            }
                            self.pmt_pids.insert(e.pmt_pid, e.program_number);
                        }
                    }
                }
            }
            return Ok(());
        }
        if self.pmt_pids.contains_key(&header.pid) {
            if !payload.is_empty() {
                let asm = self.pmt_sections.entry(header.pid).or_default();
                for section in asm.push(payload, header.payload_unit_start) {
                    if let Some(pmt) = ts::parse_pmt(&section) {
                        self.on_pmt(pmt, offset)?;
                    }
                }
            }
            return Ok(());
        }
        let Some(selection) = &self.selection else {
            if header.pid != 0x1fff {
                if self.prelude.len() == MAX_PRELUDE_PACKETS {
                    self.prelude.pop_front();
                }
                self.prelude.push_back((*packet, offset));
            }
            return Ok(());
        };
        let is_video = header.pid == selection.video_pid;
        let stream = if is_video {
            Stream::Video
        } else {
            match selection.audio.iter().position(|a| a.pid == header.pid) {
                Some(i) => Stream::Audio(i),
                None => return Ok(()),
            }
        };
        if header.scrambled {
            if !self.warned_scrambled {
                self.warned_scrambled = true;
                self.warn(
                    Some(offset),
                    format!(
                        "PID {:#06x} is scrambled (encrypted); its packets cannot be used",
                        header.pid
                    ),
                );
            }
            return Ok(());
        }
        if header.transport_error {
            self.warn(
                Some(offset),
                format!(
                    "transport error flag set on PID {:#06x}; packet dropped",
                    header.pid
                ),
            );
            self.assembler(stream).damaged = true;
            return Ok(());
        }
        // Continuity: the counter advances on packets with payload.
        let asm = self.assembler(stream);
        let mut gap = false;
        if let Some(last) = asm.last_cc {
            if header.has_payload {
                if header.continuity_counter == last && !header.discontinuity {
                    // A legal duplicate packet: ignore it.
                    return Ok(());
                }
                gap = header.continuity_counter != (last + 1) & 0x0f && !header.discontinuity;
            }
        }
        if header.has_payload {
            asm.last_cc = Some(header.continuity_counter);
        }
        if gap {
            self.stats.continuity_errors += 1;
            let asm = self.assembler(stream);
            asm.damaged |= asm.active;
            self.warn(
                Some(offset),
                format!(
                    "continuity counter gap on PID {:#06x}: packets were lost",
                    header.pid
                ),
            );
        }
        if payload.is_empty() {
            return Ok(());
        }
        if header.payload_unit_start {
            self.flush_pes(stream);
            match ts::parse_pes_header(payload) {
                Ok(pes) => {
                    let asm = self.assembler(stream);
                    let data = payload.get(pes.header_length..).unwrap_or(&[]);
                    asm.active = true;
                    asm.damaged = gap;
                    asm.offset = offset;
                    asm.pts = pes.pts;
                    asm.dts = pes.dts;
                    // Video PES lengths are often 0 or simply wrong in
                    // broadcast captures: video PES end at the next unit start.
                    asm.expected = (!is_video && pes.packet_length + 6 > pes.header_length)
                        .then(|| pes.packet_length + 6 - pes.header_length);
                    asm.buf.clear();
                    asm.buf.extend_from_slice(data);
                }
                Err(why) => {
                    self.warn(
                        Some(offset),
                        format!("bad PES header on PID {:#06x}: {why}; skipped", header.pid),
                    );
                    self.assembler(stream).active = false;
                }
            }
        } else {
            let asm = self.assembler(stream);
            if !asm.active {
                return Ok(());
            }
            let max = if is_video {
                limits::MAX_VIDEO_PES_BYTES
            } else {
                limits::MAX_AUDIO_PES_BYTES
            };
            if asm.buf.len() + payload.len() > max {
                return Err(limits::exceeded(
                    "PES packet",
                    format_args!(
                        "on PID {:#06x} (from byte {}) of over {} MiB",
                        header.pid,
                        asm.offset,
                        max >> 20
                    ),
                    format_args!("{} MiB", max >> 20),
                ));
            }
            // Grow as a Vec would, but never past the limit's capacity.
            let needed = asm.buf.len() + payload.len();
            if needed > asm.buf.capacity() {
                let target = (asm.buf.capacity() * 2).clamp(needed, max);
                asm.buf.reserve_exact(target - asm.buf.len());
            }
            asm.buf.extend_from_slice(payload);
        }
        // A PES with a declared length is complete as soon as it is filled.
        let asm = self.assembler(stream);
        if asm.expected.is_some_and(|n| asm.buf.len() >= n) {
            self.flush_pes(stream);
        }
        Ok(())
    }

    fn assembler(&mut self, stream: Stream) -> &mut PesAssembler {
        match stream {
            Stream::Video => &mut self.video,
            Stream::Audio(i) => &mut self.audio[i],
        }
    }

    fn flush_pes(&mut self, stream: Stream) {
        let anchor = self.anchor;
        let asm = self.assembler(stream);
        if !asm.active {
            return;
        }
        asm.active = false;
        let mut damaged = asm.damaged;
        let mut short = None;
        if let Some(expected) = asm.expected {
            if asm.buf.len() < expected {
                damaged = true;
                short = Some((asm.buf.len(), expected));
            }
            asm.buf.truncate(expected);
        }
        let pts = asm.pts.map(|raw| asm.unwrap_pts.unwrap(raw, anchor));
        let dts = asm
            .dts
            .map(|raw| asm.unwrap_dts.unwrap(raw, pts.or(anchor)));
        let packet = PesPacket {
            offset: asm.offset,
            pts,
            dts,
            data: std::mem::take(&mut asm.buf),
            damaged,
        };
        if self.anchor.is_none() {
            self.anchor = pts;
        }
        if let Some((got, expected)) = short {
            self.warn(
                Some(packet.offset),
                format!("PES packet cut short ({got} of {expected} bytes)"),
            );
        }
        self.events.push_back(match stream {
            Stream::Video => DemuxEvent::Video(packet),
            Stream::Audio(i) => DemuxEvent::Audio(i, packet),
        });
    }

    fn on_pmt(&mut self, pmt: ts::Pmt, offset: u64) -> Result<()> {
        let program = pmt.program_number;
        self.pmts_seen.insert(program, pmt.clone());
        if let Some(selection) = &self.selection {
            if selection.program_number == program {
                // A repeated PMT: the stream can change PIDs mid-file; follow
                // the video PID only if the old one disappeared.
                let still_there = pmt.streams.iter().any(|s| s.pid == selection.video_pid);
                if !still_there {
                    self.warn(
                        Some(offset),
                        "program map changed mid-stream: the video PID disappeared".into(),
                    );
                }
            }
            return Ok(());
        }
        // The first video stream Fanout decodes. Stream type 0x80 is MPEG-2
        // video in ATSC but LPCM audio on Blu-ray: video only when nothing
        // else is.
        let supported = |s: &&ts::PmtStream| {
            VideoCodec::from_stream_type(s.stream_type).is_some_and(VideoCodec::is_supported)
        };
        let other_video = pmt.streams.iter().any(|s| {
            s.stream_type != 0x80 && VideoCodec::from_stream_type(s.stream_type).is_some()
        });
        let video = pmt
            .streams
            .iter()
            .filter(|s| s.stream_type != 0x80 || !other_video)
            .find(supported);
        let Some(video) = video else {
            // Fail early once every program in the PAT has been seen without H.264.
            let all_seen = self
                .pmt_pids
                .values()
                .all(|p| self.pmts_seen.contains_key(p));
            if all_seen {
                let err = self.no_selection_error();
                if matches!(err, Error::UnsupportedCodec { .. }) {
                    return Err(err);
                }
            }
            return Ok(());
        };
        // Every audio stream Fanout can pass through or decode, in PMT
        // order. Unlabelled private data (0x06 without a codec descriptor)
        // is kept too: the analyzer sniffs it and drops it when it is
        // neither AAC nor AC-3.
        let mut audio = Vec::new();
        let mut left_out = Vec::new();
        for stream in pmt.streams.iter().filter(|s| s.pid != video.pid) {
            let Some(codec) = AudioCodec::from_stream(stream) else {
                let (what, why) = describe_left_out(stream);
                left_out.push(LeftOutStream {
                    pid: stream.pid,
                    stream_type: stream.stream_type,
                    what,
                    why,
                });
                continue;
            };
            if codec == AudioCodec::Dts {
                left_out.push(LeftOutStream {
                    pid: stream.pid,
                    stream_type: stream.stream_type,
                    what: "DTS audio".into(),
                    why: "Fanout does not decode DTS".into(),
                });
                self.warn(
                    Some(offset),
                    format!(
                        "audio stream {} on PID {:#06x} dropped: Fanout does not decode DTS",
                        codec.name(),
                        stream.pid
                    ),
                );
                continue;
            }
            let language = stream
                .descriptors
                .iter()
                .find(|(t, d)| *t == 0x0a && d.len() >= 3)
                .map(|(_, d)| d[..3].to_ascii_lowercase())
                .filter(|l| l.iter().all(u8::is_ascii_lowercase))
                .map(|l| String::from_utf8_lossy(&l).into_owned());
            audio.push(AudioStream {
                pid: stream.pid,
                codec,
                language,
            });
        }
        if audio.len() > limits::MAX_AUDIO_TRACKS {
            return Err(limits::exceeded(
                "a program of",
                format_args!("{} audio tracks (PMT at byte {offset})", audio.len()),
                format_args!("{}-track", limits::MAX_AUDIO_TRACKS),
            ));
        }
        self.audio = audio.iter().map(|_| PesAssembler::default()).collect();
        let selection = StreamSelection {
            program_number: program,
            video_pid: video.pid,
            video_codec: VideoCodec::from_stream_type(video.stream_type).expect("supported above"),
            audio,
            left_out,
        };
        self.events
            .push_back(DemuxEvent::Selected(selection.clone()));
        self.selection = Some(selection);
        self.replay = !self.prelude.is_empty();
        Ok(())
    }
}
