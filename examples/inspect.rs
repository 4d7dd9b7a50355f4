//! Prints what Fanout sees in a transport stream: the chosen streams, the
//! access units (timestamps, random access, damage) and the chunk plan.
//!
//! `cargo run --release --example inspect -- INPUT.ts [chunk_seconds] [--pes]`
use fanout::codec::h264::AccessUnitSplitter;
use fanout::demux::{DemuxEvent, TsDemuxer};
use fanout::plan::ChunkPlanner;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_pes = args.iter().any(|a| a == "--pes");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let path = positional
        .first()
        .ok_or("usage: inspect INPUT.ts [chunk_seconds] [--pes]")?;
    let seconds: f64 = positional.get(1).map_or(Ok(2.0), |s| s.parse())?;
    let mut demux = TsDemuxer::new();
    let mut splitter = AccessUnitSplitter::new();
    let mut planner = ChunkPlanner::new(seconds, 3003, None);
    demux.push(&std::fs::read(path)?)?;
    demux.finish()?;
    while let Some(event) = demux.next_event() {
        match event {
            DemuxEvent::Video(p) => {
                if show_pes {
                    let head = &p.data[..p.data.len().min(12)];
                    println!(
                        "pes @{} pts={:?} dts={:?} len={} damaged={} head={head:02x?}",
                        p.offset,
                        p.pts,
                        p.dts,
                        p.data.len(),
                        p.damaged
                    );
                }
                splitter.push(&p.data, p.pts, p.dts, p.offset, p.damaged);
            }
            DemuxEvent::Warning(w) => println!("warning: {w}"),
            DemuxEvent::Selected(s) => println!("{s:?}"),
            DemuxEvent::Audio(..) => {}
        }
    }
    splitter.finish();
    while let Some(u) = splitter.next_unit() {
        println!(
            "unit @{} pts={:?} dts={:?} {:?} ref={} interlaced={} damaged={} len={}",
            u.offset,
            u.pts,
            u.dts,
            u.random_access,
            u.is_reference,
            u.interlaced,
            u.damaged,
            u.data.len()
        );
        planner.push(u);
    }
    planner.finish();
    while let Some(c) = planner.next_chunk() {
        println!(
            "chunk {} units={} frames={} pts [{}, {})",
            c.index,
            c.units.len(),
            c.output_frames(),
            c.start_pts,
            c.end_pts
        );
    }
    println!("{:?}", planner.stats());
    Ok(())
}
