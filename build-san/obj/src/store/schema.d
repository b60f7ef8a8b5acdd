build-san/obj/src/store/schema.o: src/store/schema.c \
 src/store/store_internal.h include/retour/store.h \
 include/retour/returns.h
src/store/store_internal.h:
include/retour/store.h:
include/retour/returns.h:
