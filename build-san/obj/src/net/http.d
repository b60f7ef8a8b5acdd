build-san/obj/src/net/http.o: src/net/http.c include/retour/http.h \
 include/retour/connector.h include/retour/store.h \
 include/retour/returns.h
include/retour/http.h:
include/retour/connector.h:
include/retour/store.h:
include/retour/returns.h:
