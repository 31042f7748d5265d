# Raw results (the guest's tagged lines) -> [{name, rc, vq: [...], gt: [...], err: [...]}]
split("\n")
| reduce .[] as $l ({cur: null, out: []};
    if ($l | startswith("@@begin ")) then
      .cur = {name: ($l | split(" ")[1]),
              rc: ($l | capture("rc=(?<rc>[0-9]+)").rc | tonumber),
              vq: [], gt: [], rep: [], trig: [], err: []}
    elif .cur == null then .
    elif ($l | startswith("@@vq ")) then .cur.vq += [($l[5:] | fromjson? // {unparsed: $l[5:]})]
    elif ($l | startswith("@@gt ")) then .cur.gt += [($l[5:] | fromjson? // {unparsed: $l[5:]})]
    elif ($l | startswith("@@rep ")) then .cur.rep += [($l[6:] | fromjson? // {unparsed: $l[6:]})]
    elif ($l | startswith("@@trig ")) then .cur.trig += [($l[7:] | fromjson? // {unparsed: $l[7:]})]
    elif ($l | startswith("@@err ")) then .cur.err += [$l[6:]]
    elif ($l | startswith("@@end ")) then .out += [.cur] | .cur = null
    else . end)
| .out
