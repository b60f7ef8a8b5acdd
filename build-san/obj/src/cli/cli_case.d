build-san/obj/src/cli/cli_case.o: src/cli/cli_case.c src/cli/cli_case.h \
 include/retour/returns.h include/retour/rules.h \
 include/retour/civil_time.h include/retour/expected_json.h
src/cli/cli_case.h:
include/retour/returns.h:
include/retour/rules.h:
include/retour/civil_time.h:
include/retour/expected_json.h:
