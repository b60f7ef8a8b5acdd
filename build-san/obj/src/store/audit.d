build-san/obj/src/store/audit.o: src/store/audit.c \
 src/store/store_internal.h include/retour/store.h \
 include/retour/returns.h
src/store/store_internal.h:
include/retour/store.h:
include/retour/returns.h:
