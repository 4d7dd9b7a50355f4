//! Fragmented MP4 (`--container fmp4`): `ftyp` + `moov` with the first
//! fragment, then one `moof` + `mdat` per fragment, and an `mfra` index at
//! the end. Unlike the fast-start file it needs no second pass and no spool:
//! each fragment is final when written, so the output can stream straight
//! into a file or a `WritableStream`. It is also what HLS/CMAF segments are.
//!
//! The caller adds a fragment's samples with their bytes (a `moof` must
//! precede its `mdat`, so the muxer holds them) and calls
//! [`FragmentedMp4Muxer::end_fragment`] after each chunk. A fragment is
//! written once the next one has started, so the duration of its last
//! sample comes from the next sample's timestamp, as in the fast-start file;
//! only the very last sample gets the nominal duration. Memory is bounded by
//! two fragments.
//!
//! Timing is the fast-start file's (same 90 kHz video clock, same AAC frame
//! durations through [`AudioClock`]) with two differences, both because
//! the `moov` is written before the whole file is known and because FFmpeg
//! (and so Chromium's `<video>`) reads a fragmented file's edits only as a
//! time shift:
//! - a track that starts after the movie origin is placed by its first
//!   `tfdt`, not by an empty edit;
//! - audio has no edit: every decoded sample plays at its own time (frame
//!   timestamps are those of their first decoded sample), so the encoder
//!   priming (1024 samples, near silence) plays before the first source
//!   sample instead of being cut. Cutting it with an edit would make FFmpeg
//!   shift the whole track 21–23 ms early; this way sync is exact
//!   everywhere.
//!
//! The video keeps the fast-start file's one edit that skips the B-frame
//! reorder delay; its duration is 0, which for a fragmented file means "to
//! the end of the media" (ISO/IEC 14496-12 8.6.6.3).

use super::{
    audio_sample_entry, invalid, mdat_header, mdhd_language, rescale, self_contained_dinf, trak,
    video_sample_entry, write_box, AudioClock, AudioSample, AudioTrack, MuxError, VideoCodec,
    VideoSample, VideoTrack, AUDIO_TRACK_ID, MOVIE_TIMESCALE, VIDEO_TIMESCALE, VIDEO_TRACK_ID,
};
use mp4_atom::{
    Elst, ElstEntry, Encode, FixedPoint, FragmentInfo, Ftyp, Mfhd, Mfra, Mfro, Minf, Moof, Mvex,
    Mvhd, Smhd, Stbl, Stco, Stsc, Stsd, Stsz, StszSamples, Stts, Tfdt, Tfhd, Tfra, Tkhd, Traf,
    Trex, Trun, TrunEntry, TrunSamples, Vmhd,
};

/// `sample_flags` of a sync sample: depends on no other sample.
const SYNC_SAMPLE: u32 = 0x0200_0000;
/// `sample_flags` of a non-sync sample: depends on others, not a sync sample.
const NON_SYNC_SAMPLE: u32 = 0x0101_0000;

/// Writes a fragmented MP4 of one video and any number of AAC tracks.
#[derive(Debug)]
pub struct FragmentedMp4Muxer {
    video: VideoTrack,
    audio: Vec<AudioTrack>,
    /// The fragment being filled.
    open: Fragment,
    /// The last ended fragment, written when the next one ends.
    held: Option<Fragment>,
    /// Fixed when the first fragment is written.
    timeline: Option<Timeline>,
    bytes_out: u64,
    fragments_out: u32,
    /// `tfra` entries per track (video first).
    random_access: Vec<Vec<FragmentInfo>>,
    last_video_dts: Option<i64>,
}

#[derive(Debug, Default)]
struct Fragment {
    video: Vec<VideoSample>,
    video_data: Vec<u8>,
    audio: Vec<Vec<AudioSample>>,
    audio_data: Vec<Vec<u8>>,
}

impl Fragment {
    fn new(audio_tracks: usize) -> Self {
        Fragment {
            audio: vec![Vec::new(); audio_tracks],
            audio_data: vec![Vec::new(); audio_tracks],
            ..Default::default()
        }
    }

    fn is_empty(&self) -> bool {
        self.video.is_empty() && self.audio.iter().all(Vec::is_empty)
    }
}

/// Where each track's decode timeline starts, fixed by the first fragment.
#[derive(Debug)]
struct Timeline {
    /// The movie origin: the earliest presentation time of any track.
    t0: i64,
    /// Video decode time = dts − `first_dts` + `video_offset`.
    first_dts: i64,
    video_offset: i64,
    /// Per audio track, once its first frame is written.
    audio: Vec<Option<AudioLine>>,
}

#[derive(Debug)]
struct AudioLine {
    clock: AudioClock,
    /// Decode time (samples) of the frame at the clock's cursor = 0.
    base: u64,
}

impl FragmentedMp4Muxer {
    /// A muxer for one video track and the given audio tracks (samples name
    /// their track by its index in `audio`). Every track is declared in the
    /// `moov`, including one that gets its first sample late.
    pub fn new(video: VideoTrack, audio: Vec<AudioTrack>) -> Self {
        let tracks = audio.len();
        FragmentedMp4Muxer {
            video,
            open: Fragment::new(tracks),
            held: None,
            timeline: None,
            bytes_out: 0,
            fragments_out: 0,
            random_access: vec![Vec::new(); tracks + 1],
            last_video_dts: None,
            audio,
        }
    }

    /// Adds a video sample of the open fragment. Timestamps as for
    /// [`super::Mp4Muxer::add_video_sample`].
    pub fn add_video_sample(&mut self, data: &[u8], dts: i64, pts: i64, sync: bool) {
        self.open.video.push(VideoSample {
            size: data.len() as u32,
            dts,
            pts,
            sync,
        });
        self.open.video_data.extend_from_slice(data);
    }

    /// Adds one raw AAC frame of audio track `track` to the open fragment;
    /// `pts` as for [`super::Mp4Muxer::add_audio_sample_to`].
    pub fn add_audio_sample_to(
        &mut self,
        track: usize,
        data: &[u8],
        pts: i64,
    ) -> Result<(), MuxError> {
        let tracks = self.audio.len();
        let (Some(samples), Some(bytes)) = (
            self.open.audio.get_mut(track),
            self.open.audio_data.get_mut(track),
        ) else {
            return Err(MuxError::NoSuchAudioTrack {
                track,
                tracks,
                samples: 1,
            });
        };
        samples.push(AudioSample {
            size: data.len() as u32,
            pts,
        });
        bytes.extend_from_slice(data);
        Ok(())
    }

    /// Bytes written so far (everything returned by `end_fragment`).
    pub fn bytes_out(&self) -> u64 {
        self.bytes_out
    }

    /// Ends the open fragment. Returns the bytes that are now final (the
    /// previous fragment, preceded by `ftyp` + `moov` the first time), to be
    /// appended to the output in order.
    pub fn end_fragment(&mut self) -> Result<Vec<u8>, MuxError> {
        if self.open.is_empty() {
            return Ok(Vec::new());
        }
        let ended = std::mem::replace(&mut self.open, Fragment::new(self.audio.len()));
        let out = match self.held.take() {
            Some(held) => self.write_fragment(&held, Some(&ended))?,
            None => Vec::new(),
        };
        self.held = Some(ended);
        Ok(out)
    }

    /// Ends the file: the last fragment and the `mfra`.
    pub fn finish(&mut self) -> Result<Vec<u8>, MuxError> {
        let mut out = self.end_fragment()?;
        let Some(held) = self.held.take() else {
            return Err(MuxError::NoVideoSamples);
        };
        out.extend(self.write_fragment(&held, None)?);
        let mfra = self.mfra()?;
        self.bytes_out += mfra.len() as u64;
        out.extend(mfra);
        Ok(out)
    }

    fn write_fragment(
        &mut self,
        fragment: &Fragment,
        next: Option<&Fragment>,
    ) -> Result<Vec<u8>, MuxError> {
        let mut out = Vec::new();
        if self.timeline.is_none() {
            let timeline = self.timeline_from(fragment)?;
            out.extend(self.ftyp()?);
            out.extend(self.moov(&timeline, fragment)?);
            self.bytes_out += out.len() as u64;
            self.timeline = Some(timeline);
        }
        let trafs = self.trafs(fragment, next)?;
        let moof_offset = self.bytes_out;
        let sequence_number = self.fragments_out + 1;

        // The data offsets are fixed-size fields: measure the moof once,
        // then fill them in.
        let data_len: u64 = trafs.iter().map(|t| t.data.len() as u64).sum();
        let large = data_len > u64::from(u32::MAX) - 8;
        let mdat_header_len: i64 = if large { 16 } else { 8 };
        let moof_len = encode_moof(sequence_number, &trafs, 0)?.len() as i64;
        let moof = encode_moof(sequence_number, &trafs, moof_len + mdat_header_len)?;
        if moof.len() as i64 != moof_len {
            return Err(MuxError::Internal("moof size changed between passes"));
        }

        for (number, traf) in trafs.iter().enumerate() {
            if traf.random_access {
                self.random_access[traf.slot].push(FragmentInfo {
                    time: traf.decode_time,
                    moof_offset,
                    traf_number: number as u32 + 1,
                    trun_number: 1,
                    sample_delta: 1,
                });
            }
        }
        let start = out.len();
        out.extend(moof);
        mdat_header(&mut out, data_len, large);
        for traf in &trafs {
            out.extend_from_slice(traf.data);
        }
        self.bytes_out += (out.len() - start) as u64;
        self.fragments_out += 1;
        Ok(out)
    }

    /// The origin and each track's start, from the first fragment.
    fn timeline_from(&self, first: &Fragment) -> Result<Timeline, MuxError> {
        let video = first.video.first().ok_or(MuxError::NoVideoSamples)?;
        let min_pts = first.video.iter().map(|s| s.pts).min().unwrap_or(video.pts);
        let t0 = self
            .audio
            .iter()
            .zip(&first.audio)
            .filter_map(|(_, samples)| samples.first().map(|s| s.pts))
            .fold(min_pts, i64::min);
        Ok(Timeline {
            t0,
            first_dts: video.dts,
            video_offset: min_pts - t0,
            audio: self.audio.iter().map(|_| None).collect(),
        })
    }

    fn ftyp(&self) -> Result<Vec<u8>, MuxError> {
        let codec_brand = match self.video.codec {
            VideoCodec::Av1 { .. } => b"av01",
            VideoCodec::Avc { .. } => b"avc1",
            VideoCodec::Hevc { .. } => b"hvc1",
        };
        let mut out = Vec::new();
        Ftyp {
            major_brand: b"iso6".into(),
            minor_version: 0,
            compatible_brands: vec![
                b"iso6".into(),
                b"isom".into(),
                b"mp41".into(),
                codec_brand.into(),
            ],
        }
        .encode(&mut out)?;
        Ok(out)
    }

    fn moov(&self, timeline: &Timeline, first: &Fragment) -> Result<Vec<u8>, MuxError> {
        let (codec, display_width, height) = video_sample_entry(&self.video)?;
        let composition_delay = first
            .video
            .iter()
            .map(|s| s.pts)
            .min()
            .map_or(0, |p| p - timeline.first_dts);
        let video = trak(
            Tkhd {
                track_id: VIDEO_TRACK_ID,
                enabled: true,
                in_movie: true,
                width: display_width,
                height: FixedPoint::from(height),
                ..Default::default()
            },
            whole_media_edit(u64::try_from(composition_delay).unwrap_or(0)),
            0,
            VIDEO_TIMESCALE,
            "und",
            b"vide",
            "VideoHandler",
            empty_minf(codec, true),
        )?;
        let mut traks = vec![video];
        let mut trex = vec![trex(VIDEO_TRACK_ID)];
        for (index, track) in self.audio.iter().enumerate() {
            let track_id = audio_track_id(index)?;
            let mp4a = audio_sample_entry(track, track_id, 0, 0, 0)?;
            traks.push(trak(
                Tkhd {
                    track_id,
                    enabled: index == 0,
                    in_movie: true,
                    volume: FixedPoint::new(1, 0),
                    alternate_group: 1,
                    ..Default::default()
                },
                whole_media_edit(0),
                0,
                track.sample_rate,
                mdhd_language(&track.language),
                b"soun",
                "SoundHandler",
                empty_minf(mp4a, false),
            )?);
            trex.push(self::trex(track_id));
        }
        let next_track_id = audio_track_id(self.audio.len())?;
        let mvhd = Mvhd {
            timescale: MOVIE_TIMESCALE,
            rate: FixedPoint::new(1, 0),
            volume: FixedPoint::new(1, 0),
            next_track_id,
            ..Default::default()
        };
        let mut out = Vec::new();
        write_box(&mut out, b"moov", |buf| {
            mvhd.encode(buf)?;
            for t in &traks {
                buf.extend_from_slice(t);
            }
            Mvex { mehd: None, trex }.encode(buf)?;
            Ok(())
        })?;
        Ok(out)
    }

    /// The track fragments of `fragment`, with every sample's duration.
    fn trafs<'f>(
        &mut self,
        fragment: &'f Fragment,
        next: Option<&Fragment>,
    ) -> Result<Vec<TrafOut<'f>>, MuxError> {
        let mut trafs = Vec::new();
        if !fragment.video.is_empty() {
            trafs.push(self.video_traf(fragment, next)?);
        }
        for index in 0..self.audio.len() {
            if !fragment.audio[index].is_empty() {
                trafs.push(self.audio_traf(index, fragment, next)?);
            }
        }
        Ok(trafs)
    }

    fn video_traf<'f>(
        &mut self,
        fragment: &'f Fragment,
        next: Option<&Fragment>,
    ) -> Result<TrafOut<'f>, MuxError> {
        let timeline = self.timeline.as_ref().expect("timeline set before trafs");
        let samples = &fragment.video;
        let next_dts = next.and_then(|n| n.video.first()).map(|s| s.dts);
        let mut entries = Vec::with_capacity(samples.len());
        for (i, s) in samples.iter().enumerate() {
            if let Some(prev) = self.last_video_dts {
                if s.dts < prev {
                    return Err(MuxError::DtsNotMonotonic {
                        index: i,
                        prev,
                        dts: s.dts,
                    });
                }
            }
            self.last_video_dts = Some(s.dts);
            let duration = match samples.get(i + 1).map(|n| n.dts).or(next_dts) {
                Some(next) => next - s.dts,
                None => i64::from(self.video.default_frame_duration),
            };
            let offset = s.pts - s.dts;
            if offset < 0 {
                return Err(MuxError::PtsBeforeDts {
                    index: i,
                    pts: s.pts,
                    dts: s.dts,
                });
            }
            entries.push(TrunEntry {
                duration: Some(fits_u32(duration, "video", i, "duration")?),
                size: Some(s.size),
                flags: Some(if s.sync { SYNC_SAMPLE } else { NON_SYNC_SAMPLE }),
                cts: Some(i64::from(fits_u32(
                    offset,
                    "video",
                    i,
                    "composition offset",
                )?)),
            });
        }
        let first = samples.first().expect("caller checked");
        let decode_time = first.dts - timeline.first_dts + timeline.video_offset;
        Ok(TrafOut {
            track_id: VIDEO_TRACK_ID,
            slot: 0,
            decode_time: u64::try_from(decode_time).map_err(|_| MuxError::DtsNotMonotonic {
                index: 0,
                prev: timeline.first_dts,
                dts: first.dts,
            })?,
            random_access: first.sync,
            entries,
            data: &fragment.video_data,
        })
    }

    fn audio_traf<'f>(
        &mut self,
        index: usize,
        fragment: &'f Fragment,
        next: Option<&Fragment>,
    ) -> Result<TrafOut<'f>, MuxError> {
        let track = &self.audio[index];
        let (sample_rate, spf) = (track.sample_rate, track.samples_per_frame);
        if sample_rate == 0 || spf == 0 {
            return Err(invalid(
                "audio track",
                "sample rate and frame length must be non-zero",
            ));
        }
        let samples = &fragment.audio[index];
        let first = samples.first().expect("caller checked");
        let timeline = self.timeline.as_mut().expect("timeline set before trafs");
        let t0 = timeline.t0;
        let line = timeline.audio[index].get_or_insert_with(|| {
            // The first decoded sample plays at first.pts − t0.
            let lead = u64::try_from(first.pts - t0).unwrap_or(0);
            let base = rescale(lead, VIDEO_TIMESCALE, sample_rate);
            AudioLine {
                clock: AudioClock::new(first.pts, sample_rate, spf),
                base,
            }
        });
        // A gap since the previous fragment (no frame of this track in
        // between) moves the start on, as a longer previous frame would.
        line.clock.resync(first.pts);
        let decode_time = line.base + u64::try_from(line.clock.cursor).unwrap_or(0);
        let next_pts = next.and_then(|n| n.audio[index].first()).map(|s| s.pts);
        let mut entries = Vec::with_capacity(samples.len());
        for (i, s) in samples.iter().enumerate() {
            let duration = match samples.get(i + 1).map(|n| n.pts).or(next_pts) {
                Some(next) => line.clock.duration_to(next),
                None => line.clock.nominal_step(),
            };
            entries.push(TrunEntry {
                duration: Some(fits_u32(duration, "audio", i, "duration")?),
                size: Some(s.size),
                flags: Some(SYNC_SAMPLE),
                cts: None,
            });
        }
        Ok(TrafOut {
            track_id: audio_track_id(index)?,
            slot: index + 1,
            decode_time,
            random_access: true,
            entries,
            data: &fragment.audio_data[index],
        })
    }

    fn mfra(&self) -> Result<Vec<u8>, MuxError> {
        let mut tfra = Vec::new();
        for (slot, entries) in self.random_access.iter().enumerate() {
            if entries.is_empty() {
                continue;
            }
            let track_id = if slot == 0 {
                VIDEO_TRACK_ID
            } else {
                audio_track_id(slot - 1)?
            };
            tfra.push(Tfra {
                track_id,
                entries: entries.clone(),
            });
        }
        let mut mfra = Mfra {
            tfra,
            mfro: Mfro { parent_size: 0 },
        };
        let mut out = Vec::new();
        mfra.encode(&mut out)?;
        // mfro repeats the size of the whole mfra so a reader can find it
        // from the end of the file.
        mfra.mfro.parent_size = u32::try_from(out.len()).map_err(|_| MuxError::TooMany("tfra"))?;
        out.clear();
        mfra.encode(&mut out)?;
        Ok(out)
    }
}

/// One track's part of a fragment.
struct TrafOut<'f> {
    track_id: u32,
    /// Index into `random_access`.
    slot: usize,
    decode_time: u64,
    random_access: bool,
    entries: Vec<TrunEntry>,
    data: &'f [u8],
}

fn encode_moof(
    sequence_number: u32,
    trafs: &[TrafOut],
    first_data_offset: i64,
) -> Result<Vec<u8>, MuxError> {
    let mut data_offset = first_data_offset;
    let mut traf = Vec::with_capacity(trafs.len());
    for t in trafs {
        traf.push(Traf {
            tfhd: Tfhd {
                track_id: t.track_id,
                default_base_is_moof: true,
                ..Default::default()
            },
            tfdt: Some(Tfdt {
                base_media_decode_time: t.decode_time,
            }),
            trun: vec![Trun {
                data_offset: Some(
                    i32::try_from(data_offset).map_err(|_| MuxError::TooMany("fragment bytes"))?,
                ),
                samples: TrunSamples::Explicit(t.entries.clone()),
            }],
            ..Default::default()
        });
        data_offset += t.data.len() as i64;
    }
    let mut out = Vec::new();
    Moof {
        mfhd: Mfhd { sequence_number },
        traf,
    }
    .encode(&mut out)?;
    Ok(out)
}

/// The one edit of a fragmented track: from `media_time` to the end.
fn whole_media_edit(media_time: u64) -> Elst {
    Elst {
        entries: vec![ElstEntry {
            segment_duration: 0,
            media_time: Some(media_time),
            media_rate: FixedPoint::new(1, 0),
        }],
    }
}

/// A `minf` whose sample table lists no samples (they are in fragments).
fn empty_minf(codec: mp4_atom::Codec, video: bool) -> Minf {
    Minf {
        vmhd: video.then(Vmhd::default),
        smhd: (!video).then(Smhd::default),
        dinf: self_contained_dinf(),
        stbl: Stbl {
            stsd: Stsd {
                codecs: vec![codec],
            },
            stts: Stts::default(),
            stsc: Stsc::default(),
            stsz: Stsz {
                samples: StszSamples::Identical { count: 0, size: 0 },
            },
            stco: Some(Stco::default()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn trex(track_id: u32) -> Trex {
    Trex {
        track_id,
        default_sample_description_index: 1,
        default_sample_duration: 0,
        default_sample_size: 0,
        default_sample_flags: 0,
    }
}

fn audio_track_id(index: usize) -> Result<u32, MuxError> {
    u32::try_from(index)
        .ok()
        .and_then(|n| AUDIO_TRACK_ID.checked_add(n))
        .ok_or(MuxError::TooMany("audio tracks"))
}

fn fits_u32(
    value: i64,
    track: &'static str,
    index: usize,
    what: &'static str,
) -> Result<u32, MuxError> {
    u32::try_from(value).map_err(|_| MuxError::TimeOverflow {
        track,
        index,
        what,
        value,
    })
}
