//! Prints the access units and the chunk plan of a transport stream.
//! `cargo run --release --example inspect -- INPUT.ts [chunk_seconds]`
use fanout::codec::h264::AccessUnitSplitter;
use fanout::demux::{DemuxEvent, TsDemuxer};
use fanout::plan::ChunkPlanner;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1])?;
    let seconds: f64 = args.get(2).map_or(Ok(2.0), |s| s.parse())?;
    let mut demux = TsDemuxer::new();
    let mut splitter = AccessUnitSplitter::new();
    let mut planner = ChunkPlanner::new(seconds, 3003);
    demux.push(&data)?;
    demux.finish()?;
    while let Some(e) = demux.next_event() {
        match e {
            DemuxEvent::Video(p) => {
                if std::env::var("PES").is_ok() {
                    println!(
                        "pes @{} pts={:?} len={} dmg={} head={:02x?}",
                        p.offset,
                        p.pts,
                        p.data.len(),
                        p.damaged,
                        &p.data[..p.data.len().min(12)]
                    );
                }
                splitter.push(&p.data, p.pts, p.dts, p.offset, p.damaged)
            }
            DemuxEvent::Warning(w) => println!("warning: {w}"),
            DemuxEvent::Selected(s) => println!("{s:?}"),
            DemuxEvent::Audio(_) => {}
        }
    }
    splitter.finish();
    while let Some(u) = splitter.next_unit() {
        println!(
            "unit @{} pts={:?} dts={:?} {:?} ref={} il={} dmg={} len={}",
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
            "chunk {} units={} out={} pts [{}, {})",
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
