"""Reads one checkov unit test file (stdin) and prints, as JSON, what it asserts per test method:
the example folder and passing/failing resource sets, or the inline HCL / resource conf and the
expected CheckResult. Used once by convert.mjs; python3's standard library only."""
import ast
import json
import sys

tree = ast.parse(sys.stdin.read())
out = []


def literal(node):
    try:
        return ast.literal_eval(node)
    except Exception:
        return None


for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
    for fn in [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]:
        case = {"method": fn.name, "folders": [], "hcl": [], "conf": None, "entity_type": None, "result": None}
        for node in ast.walk(fn):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "example_" in node.value:
                case["folders"].append(node.value.strip("/"))
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if name in ("passing_resources", "failing_resources"):
                    value = literal(node.value)
                    case[name] = sorted(value) if value is not None else None
                if name in ("resource_conf", "conf"):
                    case["conf"] = literal(node.value)
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "loads" and node.args:
                    value = literal(node.args[0])
                    if isinstance(value, str):
                        case["hcl"].append(value)
                if isinstance(func, ast.Attribute) and func.attr in ("scan_entity_conf", "scan_resource_conf", "scan_data_conf"):
                    for kw in node.keywords:
                        if kw.arg == "entity_type":
                            case["entity_type"] = literal(kw.value)
                if isinstance(func, ast.Attribute) and func.attr == "assertEqual" and node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name) and first.value.id == "CheckResult":
                        case["result"] = first.attr
        out.append(case)

print(json.dumps(out))
