# Raw results (the guest's tagged lines) -> [{name, rc, vq, gt, ser, err}]
#   @@vq  a vqtrace output line      @@gt  a ground-truth JSON line
#   @@ser N LINE  line of QEMU N's serial console   @@err  stderr
#   @@prom AT LINE  a line of vqtrace's /metrics, scraped at AT
split("\n")
| reduce .[] as $l ({cur: null, out: []};
    if ($l | startswith("@@begin ")) then
      .cur = {name: ($l | split(" ")[1]),
              rc: ($l | capture("rc=(?<rc>[0-9]+)").rc | tonumber),
              vq: [], gt: [], ser: [], err: [], prom: []}
    elif .cur == null then .
    elif ($l | startswith("@@vq ")) then .cur.vq += [($l[5:] | fromjson? // {unparsed: $l[5:]})]
    elif ($l | startswith("@@gt ")) then .cur.gt += [($l[5:] | fromjson? // {unparsed: $l[5:]})]
    elif ($l | startswith("@@ser ")) then
      ($l[6:] | capture("^(?<q>[0-9]+) (?<line>.*)$")) as $s
      | .cur.ser += [{qemu: ($s.q | tonumber), line: $s.line}]
    elif ($l | startswith("@@prom ")) then
      ($l[7:] | capture("^(?<at>[^ ]+) (?<line>.*)$")) as $p
      | .cur.prom += [{at: $p.at, line: $p.line}]
    elif ($l | startswith("@@err ")) then .cur.err += [$l[6:]]
    elif ($l | startswith("@@end ")) then .out += [.cur] | .cur = null
    else . end)
| .out
