# symbols.awk: `nm -n --defined-only` of the hypervisor in, the symbol table
# (common/symbols.c's format) out, as assembly for the .symbols section:
#   symbols_count                 number of entries (.quad)
#   symbols_addresses[count]      start addresses, ascending (.quad)
#   symbols_name_offsets[count]   offset of each name in symbols_names (.long)
#   symbols_names                 the names, NUL-terminated
# Only text symbols (t/T) are kept: the table names code addresses.
BEGIN { n = 0 }
$2 ~ /^[tT]$/ && $3 !~ /^\.L/ {
    addr[n] = $1; name[n] = $3; n++
}
END {
    print "\t.section .symbols, \"a\""
    print "\t.balign 8"
    print "\t.globl symbols_count, symbols_addresses, symbols_name_offsets, symbols_names"
    print "symbols_count:\n\t.quad " n + 0
    print "symbols_addresses:"
    for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
    print "symbols_name_offsets:"
    off = 0
    for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
    print "symbols_names:"
    for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
}
