//! Where a running `deskflow up` takes an operator's commands: a Unix socket in its data folder
//! (`up.sock`, owner only, as the folder is), one command line per connection (`status`,
//! `stop <process>`, `start <process>`, the same as `--control`'s), answered with one line:
//! `ok`, `ok <json>` or `err <message>`.

use anyhow::Context;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

/// A command line and where its answer goes.
pub type Asked = (String, oneshot::Sender<String>);

/// The socket of the stack whose data folder is `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("up.sock")
}

/// Listens on the socket of `data_dir` (a stale one from a stack that died is replaced) and
/// hands each command to the receiver, for the supervisor's loop to answer.
pub fn listen(data_dir: &Path) -> anyhow::Result<mpsc::UnboundedReceiver<Asked>> {
    let p = path(data_dir);
    let _ = std::fs::remove_file(&p);
    let listener =
        UnixListener::bind(&p).with_context(|| format!("cannot listen on {}", p.display()))?;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut line = String::new();
                if BufReader::new(read).read_line(&mut line).await.is_err() {
                    return;
                }
                let (reply, answer) = oneshot::channel();
                if tx.send((line.trim().to_string(), reply)).is_err() {
                    return;
                }
                if let Ok(a) = answer.await {
                    let _ = write.write_all(format!("{a}\n").as_bytes()).await;
                }
            });
        }
    });
    Ok(rx)
}

/// Sends one command to the `up` whose data folder is `data_dir`; its answer line.
pub async fn ask(data_dir: &Path, command: &str) -> anyhow::Result<String> {
    let p = path(data_dir);
    let stream = UnixStream::connect(&p).await.with_context(|| {
        format!(
            "no running `deskflow up` answers at {} (is it running with this --data-dir?)",
            p.display()
        )
    })?;
    let (read, mut write) = stream.into_split();
    write.write_all(format!("{command}\n").as_bytes()).await?;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    Ok(line.trim().to_string())
}
