//! The peers' own files, made now by the real tools on namespace routers, read back: for each,
//! every hop's responders must be the routers the topology says answered. scamper writes warts
//! (converted by its own `sc_warts2json`) and JSON, mtr writes `--json` and `--xml`, tracepath
//! (iputils) its text. Needs root for the namespaces (see `require_netns`); skips otherwise, except under CI.

mod common;

use common::netns::Topology;
use common::run::{annotate_offline, jsonl_documents};
use serde_json::Value;
use std::net::IpAddr;
use std::process::Command;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gt-tools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `annotate --format jsonl` of `file`: one document per trace (or the one trace's document).
fn annotate(file: &std::path::Path) -> Vec<Value> {
    jsonl_documents(&annotate_offline("jsonl", file).stdout)
}

/// The first responder of every hop (`None` for a silent one).
fn responders(doc: &Value) -> Vec<Option<IpAddr>> {
    doc["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            h["responders"][0]["ip"]
                .as_str()
                .map(|a| a.parse().unwrap())
        })
        .collect()
}

fn expected(topo: &Topology, v6: bool) -> Vec<Option<IpAddr>> {
    let mut want: Vec<Option<IpAddr>> = if v6 {
        topo.routers_v6()
            .into_iter()
            .map(|a| Some(a.into()))
            .collect()
    } else {
        topo.routers_v4()
            .into_iter()
            .map(|a| Some(a.into()))
            .collect()
    };
    want.push(Some(if v6 {
        topo.dst_v6().into()
    } else {
        topo.dst_v4().into()
    }));
    want
}

#[test]
fn scamper_warts_and_json_read_back_as_the_routers_answered() {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    let (d4, d6) = (topo.dst_v4().to_string(), topo.dst_v6().to_string());
    let warts = scratch("chain.warts");
    let mut args = vec![
        "scamper".to_string(),
        "-O".into(),
        "warts".into(),
        "-o".into(),
        warts.to_str().unwrap().into(),
        "-p".into(),
        "1000".into(),
    ];
    // (scamper 20211212's IPv6 UDP Paris traces get no reply in the namespaces, as
    // `sc_warts2text` shows; that case is in the fixtures, read as all `*`.)
    for (method, d) in [("icmp-paris", &d4), ("icmp-paris", &d6), ("udp-paris", &d4)] {
        args.push("-I".into());
        args.push(format!("trace -P {method} -q 1 -w 1 {d}"));
    }
    let run = topo.exec("src", &args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json = Command::new("sc_warts2json").arg(&warts).output().unwrap();
    assert!(json.status.success());
    let json_file = scratch("chain.json");
    std::fs::write(&json_file, &json.stdout).unwrap();
    let docs = annotate(&json_file);
    assert_eq!(docs.len(), 3);
    // scamper runs its commands concurrently: traces come in the order they finish.
    let families: Vec<bool> = docs
        .iter()
        .map(|d| d["target"].as_str().unwrap().contains(':'))
        .collect();
    assert_eq!(families.iter().filter(|v6| **v6).count(), 1);
    for (doc, v6) in docs.iter().zip(families) {
        assert_eq!(responders(doc), expected(&topo, v6), "{}", doc["trace"]);
        assert_eq!(doc["reached"], true, "{}", doc["trace"]);
        assert_eq!(doc["identity"]["tool"], "scamper");
    }
}

#[test]
fn mtr_json_reads_back_as_the_routers_answered() {
    mtr_reads_back("--json", "json");
}

/// The first answering responder of every hop (tracepath prints a hop once per probe, so a
/// hop's first line may be `no reply` while a later one answers).
fn answering(doc: &Value) -> Vec<Option<IpAddr>> {
    doc["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            h["responders"]
                .as_array()
                .and_then(|r| r.first())
                .and_then(|r| r["ip"].as_str())
                .map(|a| a.parse().unwrap())
        })
        .collect()
}

#[test]
fn tracepath_reads_back_as_the_routers_answered() {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    for v6 in [false, true] {
        let dst = if v6 {
            topo.dst_v6().to_string()
        } else {
            topo.dst_v4().to_string()
        };
        let mut args = vec!["tracepath", "-n"];
        if v6 {
            args.push("-6");
        }
        args.push(&dst);
        let run = topo.exec("src", args);
        let printed = String::from_utf8_lossy(&run.stdout).to_string();
        assert!(printed.contains("reached"), "{printed}");
        let file = scratch(if v6 {
            "tracepath6.txt"
        } else {
            "tracepath.txt"
        });
        std::fs::write(&file, &run.stdout).unwrap();
        let docs = annotate(&file);
        assert_eq!(docs.len(), 1);
        assert_eq!(answering(&docs[0]), expected(&topo, v6), "{printed}");
        assert_eq!(docs[0]["reached"], true, "{printed}");
        // One probe per line tracepath printed for the hop.
        let lines = printed
            .lines()
            .filter(|l| l.trim_start().starts_with("1:"))
            .count();
        assert_eq!(docs[0]["hops"][0]["sent"], lines, "{printed}");
    }
}

#[test]
fn mtr_xml_reads_back_as_the_routers_answered() {
    mtr_reads_back("--xml", "xml");
}

/// `mtr -n FLAG -c 3` on a 3-router chain, both families, read back: the routers in order,
/// reached, and the 3 probes mtr said it sent at each hop.
fn mtr_reads_back(flag: &str, extension: &str) {
    let Some(topo) = Topology::chain(3) else {
        return;
    };
    for v6 in [false, true] {
        let dst = if v6 {
            topo.dst_v6().to_string()
        } else {
            topo.dst_v4().to_string()
        };
        let run = topo.exec("src", ["mtr", "-n", flag, "-c", "3", &dst]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let file = scratch(&format!("mtr{}.{extension}", if v6 { "6" } else { "" }));
        std::fs::write(&file, &run.stdout).unwrap();
        let docs = annotate(&file);
        assert_eq!(docs.len(), 1);
        assert_eq!(responders(&docs[0]), expected(&topo, v6));
        assert_eq!(docs[0]["reached"], true);
        // mtr said 3 sent at each hop; the import keeps that.
        assert!(docs[0]["hops"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["sent"] == 3));
    }
}
