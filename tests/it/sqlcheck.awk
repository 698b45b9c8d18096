# sqlcheck: the static half of "SQL only through prepared statements" (docs/reliability.md).
# Reads C files (comments stripped by the caller) and prints one line per violation:
#   FILE FUNCTION: why
# Rules:
#  A. Every SQL argument of sqlite3_exec / sqlite3_prepare*, of the store's engine
#     interface db_exec / db_prepare, of libpq's PQexec / PQexecParams / PQprepare /
#     PQsendQuery (and of the wrappers listed in the reviewed file) is a string literal, an element of or a name declared
#     `static const char NAME[]` / `static const char *const NAME[]` in the same file,
#     or a name the reviewed file lists for that function.
#  B. No formatting call (printf family, xasprintf, sqlite3_mprintf & co.) has a format
#     with SQL in it, unless the reviewed file lists that function's format as one
#     whose arguments are all compile-time constants.
# The reviewed file (-v reviewed=FILE) holds lines "FILE FUNCTION NAME reason...";
# NAME "format" marks a reviewed format; "wrapper:N" marks FUNCTION as a wrapper whose
# parameter N (from 0) is SQL, so its callers are checked like sqlite3's.

function flush_fn() {
	if (fn != "")
		body[FILENAME, fn] = fnbody
	fn = ""
	fnbody = ""
}

# Returns the index of the ")" closing the "(" at position p of s (0 if none).
function close_paren(s, p,    d, i, c, instr) {
	d = 0
	instr = 0
	for (i = p; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (instr) {
			if (c == "\\") i++
			else if (c == "\"") instr = 0
			continue
		}
		if (c == "\"") instr = 1
		else if (c == "(") d++
		else if (c == ")") { d--; if (d == 0) return i }
	}
	return 0
}

# Splits the argument text a (between the parentheses) at top-level commas into args[].
function split_args(a,    n, d, i, c, instr, cur) {
	n = 0; d = 0; instr = 0; cur = ""
	for (i = 1; i <= length(a); i++) {
		c = substr(a, i, 1)
		if (instr) {
			cur = cur c
			if (c == "\\") { i++; cur = cur substr(a, i, 1) }
			else if (c == "\"") instr = 0
			continue
		}
		if (c == "\"") instr = 1
		if (c == "(" || c == "[" || c == "{") d++
		if (c == ")" || c == "]" || c == "}") d--
		if (c == "," && d == 0) { args[n++] = trim(cur); cur = ""; continue }
		cur = cur c
	}
	args[n++] = trim(cur)
	return n
}

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

# 1 if the SQL argument a, in function f of file, is fixed text under rule A.
function fixed(file, f, a,    name) {
	if (a ~ /^"/) return 1
	name = a
	sub(/\[.*$/, "", name)
	if (name !~ /^[A-Za-z_][A-Za-z0-9_]*$/) return 0
	if ((file, name) in statics) return 1
	if ((file, f, name) in ok) return 1
	return 0
}

# Checks every call of sink (with SQL in parameter k) in every function of file.
function check_sink(file, sink, label, k,    key, parts, f, s, p, q, n, re) {
	re = "(^|[^A-Za-z0-9_])" sink "[ ]*\\("
	for (key in body) {
		split(key, parts, SUBSEP)
		if (parts[1] != file) continue
		f = parts[2]
		s = body[key]
		while (match(s, re)) {
			p = RSTART + RLENGTH - 1
			q = close_paren(s, p)
			if (q == 0) break
			n = split_args(substr(s, p + 1, q - p - 1))
			if (n > k && !fixed(file, f, args[k]))
				printf "%s %s: %s() takes SQL from \"%s\", which is not fixed text\n", file, f, label, args[k]
			s = substr(s, q + 1)
		}
	}
}

# Rule B over every function of file.
function check_formats(file,    key, parts, f, s, p, q, n, i, lit) {
	for (key in body) {
		split(key, parts, SUBSEP)
		if (parts[1] != file) continue
		f = parts[2]
		s = body[key]
		while (match(s, /(^|[^A-Za-z0-9_])(v?s?n?printf|x?v?asprintf|sqlite3_v?mprintf|sqlite3_v?snprintf|sqlite3_str_v?appendf)[ ]*\(/)) {
			p = RSTART + RLENGTH - 1
			q = close_paren(s, p)
			if (q == 0) break
			n = split_args(substr(s, p + 1, q - p - 1))
			lit = ""
			for (i = 0; i < n; i++)
				if (args[i] ~ /^"/) { lit = args[i]; break }
			if (lit ~ /(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|ATTACH|DETACH|VACUUM|BEGIN|COMMIT|WHERE|VALUES)([^A-Za-z_]|$)/ && !((file, f, "format") in ok))
				printf "%s %s: SQL built by formatting: %s\n", file, f, substr(lit, 1, 60)
			s = substr(s, q + 1)
		}
	}
}

BEGIN {
	while (reviewed != "" && (getline line < reviewed) > 0) {
		if (line ~ /^[ \t]*(#|$)/) continue
		split(line, w, /[ \t]+/)
		ok[w[1], w[2], w[3]] = 1
		if (w[3] ~ /^wrapper:[0-9]+$/) {
			nw++
			wfile[nw] = w[1]; wname[nw] = w[2]; wk[nw] = substr(w[3], 9) + 0
		}
	}
}

FNR == 1 { flush_fn(); files[++nf] = FILENAME }

{
	line = $0
	# declarations of fixed SQL text: static const char NAME[] / static const char *const NAME[]
	if (match(line, /static const char (\*const )?[A-Za-z_][A-Za-z0-9_]*\[/)) {
		d = substr(line, RSTART, RLENGTH - 1)
		sub(/.* /, "", d)
		sub(/^\*const /, "", d)
		sub(/^\*/, "", d)
		statics[FILENAME, d] = 1
	}
	# a function definition starts at column 0 and its body with "{" alone at column 0
	if (line ~ /^[A-Za-z].*\(/ && line !~ /;[ \t]*$/) {
		cand = line
		sub(/\(.*/, "", cand)
		sub(/.*[ *]/, "", cand)
		sig[FILENAME, cand] = line
		next
	}
	if (line ~ /^\{/) { flush_fn(); fn = cand; next }
	if (line ~ /^\}/) { flush_fn(); next }
	if (fn != "") fnbody = fnbody " " line
}

END {
	flush_fn()
	# a wrapper's own SQL parameter is fixed inside it: its callers are checked instead
	for (j = 1; j <= nw; j++) {
		p = sig[wfile[j], wname[j]]
		sub(/^[^(]*\(/, "", p)
		sub(/\).*$/, "", p)
		n = split(p, params, ",")
		if (wk[j] + 1 > n) {
			printf "%s %s: the reviewed list says parameter %d is SQL; no such parameter\n", wfile[j], wname[j], wk[j]
			continue
		}
		name = params[wk[j] + 1]
		sub(/[^A-Za-z0-9_]*$/, "", name)
		sub(/.*[^A-Za-z0-9_]/, "", name)
		ok[wfile[j], wname[j], name] = 1
	}
	for (i = 1; i <= nf; i++) {
		check_sink(files[i], "sqlite3_exec", "sqlite3_exec", 1)
		check_sink(files[i], "sqlite3_prepare(_v2|_v3|16|16_v2|16_v3)?", "sqlite3_prepare", 1)
		check_sink(files[i], "db_exec", "db_exec", 1)
		check_sink(files[i], "db_prepare", "db_prepare", 1)
		check_sink(files[i], "PQexec", "PQexec", 1)
		check_sink(files[i], "PQexecParams", "PQexecParams", 1)
		check_sink(files[i], "PQprepare", "PQprepare", 2)
		check_sink(files[i], "PQsendQuery", "PQsendQuery", 1)
		for (j = 1; j <= nw; j++)
			if (wfile[j] == files[i])
				check_sink(files[i], wname[j], wname[j], wk[j])
		check_formats(files[i])
	}
}
