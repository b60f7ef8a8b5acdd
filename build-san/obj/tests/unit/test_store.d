build-san/obj/tests/unit/test_store.o: tests/unit/test_store.c \
 include/retour/store.h include/retour/returns.h
include/retour/store.h:
include/retour/returns.h:
