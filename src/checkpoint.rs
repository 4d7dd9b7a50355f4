//! Checkpoints: finished chunks kept on disk, so a transcode that was
//! interrupted (a crash, a closed tab, Ctrl-C) resumes by encoding only the
//! chunks it lacks, and its output is byte-identical to an uninterrupted
//! run's.
//!
//! A chunk job is a pure function of the chunk's bytes and the job
//! settings, so a stored result is valid exactly when the chunk planned now
//! has the same bytes as the one it was made from: each result is stored
//! under its chunk's index and [`chunk_key`]. The folder as a whole belongs
//! to one input and one set of settings (its manifest); anything else
//! clears it.
//!
//! The browser keeps the same files in the Origin Private File System
//! (`www/fanout/checkpoint.js`); the native CLI in a work folder next to the
//! output ([`CheckpointDir`], `--resume`).

/// Identifies a chunk's input bytes (as [`crate::wire::chunk_to_bytes`]
/// writes them): their length and two 64-bit FNV-1a hashes with different
/// offset bases, hex. Not cryptographic: it guards against stale results,
/// not against an attacker who can write the checkpoint folder.
pub fn chunk_key(chunk_wire: &[u8]) -> String {
    let fnv = |basis: u64| {
        chunk_wire.iter().fold(basis, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:x}-{:016x}{:016x}",
        chunk_wire.len(),
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

/// The file a chunk's result is stored in.
pub fn chunk_file_name(index: u32, key: &str) -> String {
    format!("chunk-{index:06}-{key}.bin")
}

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub use native::{CheckpointDir, InputFingerprint};

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
mod native {
    use std::fs::{self, File};
    use std::io::{Read, Seek, SeekFrom, Write};
    use std::path::{Path, PathBuf};

    use super::chunk_file_name;
    use crate::error::Result;
    use crate::job::EncodedChunk;
    use crate::pipeline::Settings;
    use crate::wire;

    const MANIFEST: &str = "manifest.json";
    const MIB: u64 = 1 << 20;

    /// What identifies an input file without reading all of it: name,
    /// size, modification time and hashes of its first and last MiB.
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct InputFingerprint {
        pub name: String,
        pub size: u64,
        pub modified_ms: u128,
        pub head: String,
        pub tail: String,
    }

    impl InputFingerprint {
        pub fn of(path: &Path) -> Result<Self> {
            let mut file = File::open(path)?;
            let meta = file.metadata()?;
            let size = meta.len();
            let modified_ms = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis());
            let mut piece = vec![0u8; MIB.min(size) as usize];
            file.read_exact(&mut piece)?;
            let head = super::chunk_key(&piece);
            file.seek(SeekFrom::Start(size - piece.len() as u64))?;
            file.read_exact(&mut piece)?;
            let tail = super::chunk_key(&piece);
            Ok(InputFingerprint {
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                size,
                modified_ms,
                head,
                tail,
            })
        }
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Manifest {
        fanout: String,
        input: InputFingerprint,
        settings: Settings,
    }

    /// The work folder of one transcode: `<output>.fanout-work/`, holding a
    /// manifest and one file per finished chunk.
    #[derive(Clone, Debug)]
    pub struct CheckpointDir {
        dir: PathBuf,
        /// Written with the first result.
        manifest: std::sync::Arc<Vec<u8>>,
    }

    impl CheckpointDir {
        /// The work folder for `output`.
        pub fn path_for(output: &Path) -> PathBuf {
            let mut name = output.as_os_str().to_owned();
            name.push(".fanout-work");
            PathBuf::from(name)
        }

        /// Opens the work folder for this input and these settings. With
        /// `resume`, results already there for the same input and settings
        /// are kept; otherwise (or when they belong to another input or
        /// other settings) they are deleted. The folder itself is created
        /// with the first result, so an input that turns out unusable (or
        /// an output path that cannot be written) reports that error, not
        /// one about the folder.
        pub fn open(
            output: &Path,
            input: &Path,
            settings: &Settings,
            resume: bool,
        ) -> Result<Self> {
            let dir = Self::path_for(output);
            let manifest = Manifest {
                fanout: env!("CARGO_PKG_VERSION").into(),
                input: InputFingerprint::of(input)?,
                settings: *settings,
            };
            let existing = fs::read(dir.join(MANIFEST))
                .ok()
                .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
            if !resume || existing.as_ref() != Some(&manifest) {
                let _ = fs::remove_dir_all(&dir);
            }
            let manifest = serde_json::to_vec_pretty(&manifest)
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            Ok(CheckpointDir {
                dir,
                manifest: std::sync::Arc::new(manifest),
            })
        }

        /// The stored result of chunk `index` made from bytes with `key`.
        /// A missing, partial or unreadable file is simply not there.
        pub fn load(&self, index: u32, key: &str) -> Option<EncodedChunk> {
            let bytes = fs::read(self.dir.join(chunk_file_name(index, key))).ok()?;
            wire::encoded_from_bytes(&bytes)
                .ok()
                .filter(|c| c.index == index)
        }

        /// Stores a finished chunk (written under a temporary name and
        /// renamed, so a crash never leaves a half-written result).
        pub fn store(&self, key: &str, chunk: &EncodedChunk) -> Result<()> {
            let manifest = self.dir.join(MANIFEST);
            if !manifest.exists() {
                fs::create_dir_all(&self.dir)?;
                write_atomically(&manifest, &self.manifest)?;
            }
            let path = self.dir.join(chunk_file_name(chunk.index, key));
            write_atomically(&path, &wire::encoded_to_bytes(chunk))
        }

        /// Deletes the folder (after a finished transcode).
        pub fn remove(self) -> Result<()> {
            match fs::remove_dir_all(&self.dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        }
    }

    fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
        // Per thread: chunk jobs store in parallel.
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".{:?}.tmp", std::thread::current().id()));
        let tmp = PathBuf::from(tmp);
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_data()?;
        drop(file);
        fs::rename(&tmp, path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_chunks_apart() {
        let a = chunk_key(b"chunk bytes");
        assert_eq!(a, chunk_key(b"chunk bytes"));
        assert_ne!(a, chunk_key(b"chunk bytez"));
        assert_ne!(a, chunk_key(b"chunk bytes "));
        assert_eq!(
            chunk_key(b""),
            format!(
                "0-{:016x}{:016x}",
                0xcbf2_9ce4_8422_2325u64, 0x6c62_272e_07bb_0142u64
            )
        );
        assert_eq!(chunk_file_name(7, "k"), "chunk-000007-k.bin");
    }
}
