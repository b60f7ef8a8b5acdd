build-san/obj/tests/unit/test_rules.o: tests/unit/test_rules.c \
 include/retour/civil_time.h include/retour/rules.h \
 include/retour/returns.h
include/retour/civil_time.h:
include/retour/rules.h:
include/retour/returns.h:
