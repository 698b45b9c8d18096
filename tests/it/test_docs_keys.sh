#!/bin/sh
# docs/operations.md names only configuration keys the loaders accept
# (common/config.c, common/live_conf.c, common/fleet.c), and sends profile writers to the document
# that describes profiles.
. tests/it/lib.sh

DOC="$PVMON_ROOT/docs/operations.md"
SRC="$PVMON_ROOT/common/config.c $PVMON_ROOT/common/live_conf.c $PVMON_ROOT/common/fleet.c"
# names in backticks that are not configuration keys (functions, programs, mosquitto's own)
NOT_KEYS="pthread_create pg_dump mosquitto_sub mosquitto_passwd use_username_as_clientid max_queued_messages"
# every `word_with_underscores` and every `object.key` (not a file name) in the document
keys=$(grep -o '`[a-z][a-z0-9]*\(_[a-z0-9]*\)\{1,\}`\|`[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*`' "$DOC" |
	tr -d '`' | grep -v '\.\(json\|db\|acl\|key\|crt\|conf\|passwd\|md\|sh\|so\)$' | sort -u)
echo "# keys named: $(echo $keys)"
check "the document names some keys" [ -n "$keys" ]
for k in $keys; do
	case " $NOT_KEYS " in *" $k "*) continue ;; esac
	leaf=${k##*.}
	check "\`$k\` is a key the loaders accept" grep -q "\"$leaf\"" $SRC
done
sed -n '/^## Adding an inverter family/,/^## /p' "$DOC" >"$IT_TMP/family.md"
check "the profile format is sent to docs/profiles.md" grep -q 'profiles\.md' "$IT_TMP/family.md"
check "... not to docs/config.md" sh -c "! grep -q 'config\.md' '$IT_TMP/family.md'"
it_end
