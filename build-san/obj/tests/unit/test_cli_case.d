build-san/obj/tests/unit/test_cli_case.o: tests/unit/test_cli_case.c \
 tests/unit/../../src/cli/cli_case.h include/retour/returns.h \
 include/retour/rules.h include/retour/civil_time.h
tests/unit/../../src/cli/cli_case.h:
include/retour/returns.h:
include/retour/rules.h:
include/retour/civil_time.h:
