# Raw results (the guest's tagged lines) -> [{name, rc, vq, vq2, vq3, gt,
# err, err2, err3, facts}]: vqN is vqtrace instance N's stdout (JSON lines,
# kept raw where not JSON, e.g. a table), errN its stderr.
def j: fromjson? // {unparsed: .};
split("\n")
| reduce .[] as $l ({cur: null, out: []};
    if ($l | startswith("@@begin ")) then
      .cur = {name: ($l | split(" ")[1]),
              rc: ($l | capture("rc=(?<rc>[0-9]+)").rc | tonumber),
              vq: [], vq2: [], vq3: [], gt: [], err: [], err2: [], err3: [], facts: {}}
    elif .cur == null then .
    elif ($l | test("^@@vq[23]? ")) then
      ($l | capture("^@@(?<t>vq[23]?) (?<v>.*)$")) as $m
      | .cur[$m.t] += [if $m.t == "vq" then ($m.v | j) else ($m.v | fromjson? // $m.v) end]
    elif ($l | test("^@@err[23]? ")) then
      ($l | capture("^@@(?<t>err[23]?) (?<v>.*)$")) as $m | .cur[$m.t] += [$m.v]
    elif ($l | startswith("@@gt ")) then .cur.gt += [($l[5:] | j)]
    elif ($l | startswith("@@fact ")) then
      ($l[7:] | index("=")) as $i
      | .cur.facts[$l[7:7 + $i]] = ($l[8 + $i:] | tonumber? // .)
    elif ($l | startswith("@@end ")) then .out += [.cur] | .cur = null
    else . end)
| .out
