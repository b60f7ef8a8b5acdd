build-san/obj/tests/unit/test_workflow.o: tests/unit/test_workflow.c \
 include/retour/workflow.h include/retour/checklist.h \
 include/retour/returns.h include/retour/code.h include/retour/rules.h
include/retour/workflow.h:
include/retour/checklist.h:
include/retour/returns.h:
include/retour/code.h:
include/retour/rules.h:
