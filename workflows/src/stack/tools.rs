//! The pinned outside tools of the local stack, installed into the git-ignored `.tools/` folder
//! of the repository: restate-server, the restate CLI and maildev from npm (`tools/package.json`
//! and `tools/package-lock.json`), localstripe from PyPI in a venv (`tools/requirements.txt`).
//! An install is redone only when its lock file changed; a file lock lets several test
//! binaries and a dev stack start at once without installing twice.

use anyhow::{Context, bail};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Paths of the installed tools.
#[derive(Debug, Clone)]
pub struct Tools {
    pub restate_server: PathBuf,
    pub restate_cli: PathBuf,
    /// maildev's JavaScript entry point, run with `node`
    pub maildev: PathBuf,
    /// the venv's python, with localstripe installed
    pub python: PathBuf,
    /// `tools/localstripe_launcher.py`
    pub localstripe_launcher: PathBuf,
    pub restate_toml: PathBuf,
}

/// The repository root: `DESKFLOW_HOME`, else where this crate was built from.
pub fn repo_root() -> PathBuf {
    match std::env::var_os("DESKFLOW_HOME") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    }
}

/// Installs what is missing or outdated and returns the paths.
pub fn ensure(root: &Path) -> anyhow::Result<Tools> {
    let pinned = root.join("tools");
    let dir = root.join(".tools");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock = fs::File::create(dir.join(".install.lock"))?;
    lock.lock().context("cannot lock .tools/.install.lock")?;

    let node_dir = dir.join("node");
    // each install ends by copying its lock file as a marker: a changed pin reinstalls
    if !same_file(
        &pinned.join("package-lock.json"),
        &node_dir.join("installed.lock"),
    ) {
        eprintln!(
            "deskflow: installing restate-server, restate CLI and maildev (npm ci) into {}",
            node_dir.display()
        );
        let _ = fs::remove_dir_all(&node_dir);
        fs::create_dir_all(&node_dir)?;
        fs::copy(pinned.join("package.json"), node_dir.join("package.json"))?;
        fs::copy(
            pinned.join("package-lock.json"),
            node_dir.join("package-lock.json"),
        )?;
        run(Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&node_dir))
        .context("npm ci failed (is Node.js 20+ with npm installed?)")?;
        fs::copy(
            pinned.join("package-lock.json"),
            node_dir.join("installed.lock"),
        )?;
    }

    let venv = dir.join("venv");
    if !same_file(
        &pinned.join("requirements.txt"),
        &venv.join("installed.lock"),
    ) {
        eprintln!(
            "deskflow: installing localstripe (pip) into {}",
            venv.display()
        );
        let _ = fs::remove_dir_all(&venv);
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            .context("python3 -m venv failed (is Python 3.11+ installed?)")?;
        run(Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(pinned.join("requirements.txt")))
        .context("pip install of localstripe failed")?;
        fs::copy(pinned.join("requirements.txt"), venv.join("installed.lock"))?;
    }
    drop(lock);

    let modules = node_dir.join("node_modules/@restatedev");
    Ok(Tools {
        restate_server: platform_binary(&modules, "restate-server", "restate-server")?,
        restate_cli: platform_binary(&modules, "restate", "restate")?,
        maildev: node_dir.join("node_modules/maildev/dist/bin/maildev.js"),
        python: venv.join("bin/python"),
        localstripe_launcher: pinned.join("localstripe_launcher.py"),
        restate_toml: root.join("restate.toml"),
    })
}

/// The native binary inside npm's per-platform package (`@restatedev/<pkg>-linux-x64/bin/..`),
/// run directly so that one PID owns the server.
fn platform_binary(modules: &Path, pkg: &str, bin: &str) -> anyhow::Result<PathBuf> {
    let prefix = format!("{pkg}-");
    for entry in
        fs::read_dir(modules).with_context(|| format!("{} is missing", modules.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let rest = name.strip_prefix(&prefix).unwrap_or("");
        // "restate-" also prefixes "restate-server-linux-x64": the platform part has no other '-' words
        if rest.starts_with("linux-") || rest.starts_with("darwin-") {
            let p = entry.path().join("bin").join(bin);
            if p.exists() {
                return Ok(p);
            }
        }
    }
    bail!(
        "no {bin} binary for this platform under {}",
        modules.display()
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((fs::read(a), fs::read(b)), (Ok(x), Ok(y)) if x == y)
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    // npm and pip talk on stdout, which `up --control` keeps for its own protocol
    let status = cmd
        .stdout(std::io::stderr())
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} exited with {status}");
    }
    Ok(())
}
