/* What the host's KVM really is.  The CPU flags and the loaded module say
 * it; the name of /dev/kvm does not.  A PVM host (kvm_pvm) runs guests
 * de-privileged without VT-x or AMD-V and must never be reported as VT-x. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engines/kvm/kvm.h"

static int cpu_has_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (char *t = strtok(strchr(line, ':'), " :\n"); t; t = strtok(NULL, " \n"))
			if (!strcmp(t, flag))
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

static int module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

enum kvm_flavour kvm_detect_flavour(char *desc, size_t len)
{
	int vmx = cpu_has_flag("vmx"), svm = cpu_has_flag("svm");

	if (module_loaded("kvm_pvm")) {
		snprintf(desc, len, "PVM (kvm_pvm): no VT-x/AMD-V%s; guest user code runs natively, "
			 "guest kernel code is emulated by KVM", vmx || svm ? " in use" : " on this CPU");
		return KVM_FLAVOUR_PVM;
	}
	if (module_loaded("kvm_intel") && vmx) {
		snprintf(desc, len, "VT-x (kvm_intel): hardware-assisted");
		return KVM_FLAVOUR_VMX;
	}
	if (module_loaded("kvm_amd") && svm) {
		snprintf(desc, len, "AMD-V (kvm_amd): hardware-assisted");
		return KVM_FLAVOUR_SVM;
	}
	if (!module_loaded("kvm")) {
		snprintf(desc, len, "no KVM module loaded");
		return KVM_FLAVOUR_NONE;
	}
	snprintf(desc, len, "unknown KVM flavour (vmx %s, svm %s, no kvm_intel/kvm_amd/kvm_pvm)",
		 vmx ? "yes" : "no", svm ? "yes" : "no");
	return KVM_FLAVOUR_OTHER;
}

const char *kvm_flavour_name(enum kvm_flavour f)
{
	switch (f) {
	case KVM_FLAVOUR_VMX: return "vt-x";
	case KVM_FLAVOUR_SVM: return "amd-v";
	case KVM_FLAVOUR_PVM: return "pvm";
	case KVM_FLAVOUR_NONE: return "none";
	default: return "unknown";
	}
}
