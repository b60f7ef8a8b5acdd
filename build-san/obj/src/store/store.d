build-san/obj/src/store/store.o: src/store/store.c \
 src/store/store_internal.h include/retour/store.h \
 include/retour/returns.h
src/store/store_internal.h:
include/retour/store.h:
include/retour/returns.h:
