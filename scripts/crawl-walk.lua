-- crawl-walk.lua — wrk script for scripts/bench-crawl.sh: every connection walks a list of
-- request paths (one per line) instead of repeating one URL; each wrk thread starts at its own
-- offset, so the threads together cover the list before any path comes round again.
--   wrk -s crawl-walk.lua URL -- LIST [GET|POST] [THREADS]
local threads = 0
function setup(thread)
	thread:set("tno", threads)
	threads = threads + 1
end

local paths, i, method = {}, 0, "GET"
function init(args)
	for line in io.lines(args[1]) do paths[#paths + 1] = line end
	method = args[2] or "GET"
	i = math.floor(#paths * (tno or 0) / tonumber(args[3] or "1"))
end

local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
function request()
	i = i % #paths + 1
	if method == "POST" then return wrk.format("POST", paths[i], form, "") end
	return wrk.format("GET", paths[i])
end

