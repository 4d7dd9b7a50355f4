//! Sink: where the MP4 goes.
//!
//! The payload (the `mdat` contents) streams out as chunks finish; the
//! header (`ftyp`, `moov` and the `mdat` box header) is only known at the
//! end and goes in front of it (a fragmented MP4 has no header: it is all
//! payload). A file sink spools the payload and writes
//! the header first when done; the browser assembles a `Blob` from the parts.

use crate::error::Result;

/// Receives the MP4 in two parts.
pub trait Sink {
    /// Appends payload bytes, in order.
    fn write_payload(&mut self, bytes: &[u8]) -> Result<()>;
    /// Completes the file: `header` goes before all the payload.
    fn finish(&mut self, header: &[u8]) -> Result<()>;
}

/// Keeps everything in memory (tests, small outputs).
#[derive(Default, Debug)]
pub struct MemorySink {
    payload: Vec<u8>,
    /// The whole file, once finished.
    pub file: Option<Vec<u8>>,
}

impl Sink for MemorySink {
    fn write_payload(&mut self, bytes: &[u8]) -> Result<()> {
        self.payload.extend_from_slice(bytes);
        Ok(())
    }

    fn finish(&mut self, header: &[u8]) -> Result<()> {
        let mut file = header.to_vec();
        file.append(&mut self.payload);
        self.file = Some(file);
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use file::FileSink;

#[cfg(not(target_arch = "wasm32"))]
mod file {
    use std::fs::{self, File};
    use std::io::{self, BufWriter, Seek, Write};
    use std::path::{Path, PathBuf};

    use super::Sink;
    use crate::error::Result;

    /// Writes `path`, spooling the payload to `path.partial` meanwhile.
    pub struct FileSink {
        path: PathBuf,
        spool_path: PathBuf,
        spool: Option<BufWriter<File>>,
    }

    impl FileSink {
        /// Creates the spool file next to `path`.
        pub fn create(path: &Path) -> Result<Self> {
            let mut spool_path = path.as_os_str().to_owned();
            spool_path.push(".partial");
            let spool_path = PathBuf::from(spool_path);
            let spool = File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&spool_path)?;
            let spool = BufWriter::new(spool);
            Ok(FileSink {
                path: path.to_owned(),
                spool_path,
                spool: Some(spool),
            })
        }
    }

    impl Sink for FileSink {
        fn write_payload(&mut self, bytes: &[u8]) -> Result<()> {
            if let Some(spool) = &mut self.spool {
                spool.write_all(bytes)?;
            }
            Ok(())
        }

        fn finish(&mut self, header: &[u8]) -> Result<()> {
            let Some(spool) = self.spool.take() else {
                return Ok(());
            };
            let mut spool = spool.into_inner().map_err(|e| e.into_error())?;
            if header.is_empty() {
                // Nothing goes in front (a fragmented file): the spool is
                // the file.
                spool.sync_all()?;
                drop(spool);
                fs::rename(&self.spool_path, &self.path)?;
                return Ok(());
            }
            spool.rewind()?;
            let mut out = BufWriter::new(File::create(&self.path)?);
            out.write_all(header)?;
            io::copy(&mut spool, &mut out)?;
            out.flush()?;
            drop(spool);
            fs::remove_file(&self.spool_path)?;
            Ok(())
        }
    }

    impl Drop for FileSink {
        fn drop(&mut self) {
            // An unfinished transcode leaves no half-written spool behind.
            if self.spool.take().is_some() {
                let _ = fs::remove_file(&self.spool_path);
            }
        }
    }
}
