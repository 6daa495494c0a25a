"""The error-code catalog shipped with the product.

Each entry explains, in English and Simplified Chinese, why a task failed and what
the user should do about it. Entries are loaded into the ErrorCode table when they
are missing; administrators may edit them afterwards, and edited rows are left as
they are.

"service" names the service that reports the code ("ecs", "css", "sdrs", "kps"),
or is empty for codes that several services pass on (such as EVS codes reported
by SDRS).
"""

_CSS_RETRY_EN = "Try again later or contact customer service."
_CSS_RETRY_ZH = "请稍后重试或联系客服。"
_CSS_OBS_EN = "Modify the OBS bucket."
_CSS_OBS_ZH = "请修改OBS桶。"

_SDRS_RETRY_EN = "Try again. If the fault persists, contact customer service."
_SDRS_RETRY_ZH = "请重试，如果仍然失败，请联系客服。"

ERROR_CODES = (
    {
        "code": "CSS.6000",
        "service": "css",
        "cause_en": "Failed to create the cluster because of an internal error. "
                    "Please contact customer service or try again later.",
        "cause_zh": "集群创建失败，原因是内部错误。请联系客服或稍后重试。",
        "solution_en": _CSS_RETRY_EN,
        "solution_zh": _CSS_RETRY_ZH,
    },
    {
        "code": "CSS.6001",
        "service": "css",
        "cause_en": "Failed to scale out the cluster because of an internal error. "
                    "Please contact customer service or try again later.",
        "cause_zh": "集群扩容失败，原因是内部错误。请联系客服或稍后重试。",
        "solution_en": _CSS_RETRY_EN,
        "solution_zh": _CSS_RETRY_ZH,
    },
    {
        "code": "CSS.6002",
        "service": "css",
        "cause_en": "Failed to restart the cluster because of an internal error. "
                    "Please contact customer service or try again later.",
        "cause_zh": "集群重启失败，原因是内部错误。请联系客服或稍后重试。",
        "solution_en": _CSS_RETRY_EN,
        "solution_zh": _CSS_RETRY_ZH,
    },
    {
        "code": "CSS.6003",
        "service": "css",
        "cause_en": "Failed to restore the cluster because of an internal error. "
                    "Please contact customer service or try again later.",
        "cause_zh": "集群恢复失败，原因是内部错误。请联系客服或稍后重试。",
        "solution_en": _CSS_RETRY_EN,
        "solution_zh": _CSS_RETRY_ZH,
    },
    {
        "code": "CSS.6004",
        "service": "css",
        "cause_en": "Failed to create the node because of ECS exceptions (<ECS error code>). "
                    "Please contact customer service or try again later.",
        "cause_zh": "节点创建失败，原因是弹性云服务器异常（<ECS error code>）。请联系客服或稍后重试。",
        "solution_en": _CSS_RETRY_EN,
        "solution_zh": _CSS_RETRY_ZH,
    },
    {
        "code": "CSS.6005",
        "service": "css",
        "cause_en": "Failed to initialize the service because of an internal error. "
                    "Please contact customer service or try again later.",
        "cause_zh": "服务初始化失败，原因是内部错误。请联系客服或稍后重试。",
        "solution_en": _CSS_RETRY_EN,
        "solution_zh": _CSS_RETRY_ZH,
    },
    {
        "code": "CSS.6007",
        "service": "css",
        "cause_en": "Failed to create the snapshot because of an internal error. "
                    "Please contact customer service or try again later.",
        "cause_zh": "快照创建失败，原因是内部错误。请联系客服或稍后重试。",
        "solution_en": _CSS_RETRY_EN,
        "solution_zh": _CSS_RETRY_ZH,
    },
    {
        "code": "CSS.6008",
        "service": "css",
        "cause_en": "Failed to create the snapshot because the OBS bucket you select "
                    "does not exist or has been deleted.",
        "cause_zh": "快照创建失败，原因是所选的OBS桶不存在或已被删除。",
        "solution_en": _CSS_OBS_EN,
        "solution_zh": _CSS_OBS_ZH,
    },
    {
        "code": "CSS.6009",
        "service": "css",
        "cause_en": "Failed to restore the snapshot because the OBS bucket you select "
                    "does not exist or has been deleted.",
        "cause_zh": "快照恢复失败，原因是所选的OBS桶不存在或已被删除。",
        "solution_en": _CSS_OBS_EN,
        "solution_zh": _CSS_OBS_ZH,
    },
    {
        "code": "CSS.6010",
        "service": "css",
        "cause_en": "Failed to restore the snapshot because the OBS object does not exist "
                    "or has been deleted.",
        "cause_zh": "快照恢复失败，原因是OBS对象不存在或已被删除。",
        "solution_en": _CSS_OBS_EN,
        "solution_zh": _CSS_OBS_ZH,
    },
    {
        "code": "EVS.2021",
        "service": "",
        "cause_en": "The disk status is error_detaching.",
        "cause_zh": "云硬盘状态为error_detaching（卸载出错）。",
        "solution_en": "Try again later or contact customer service.",
        "solution_zh": "请稍后重试或联系客服。",
    },
    {
        "code": "EVS.2024",
        "service": "",
        "cause_en": "The status of the created disk is error.",
        "cause_zh": "创建的云硬盘状态为error（错误）。",
        "solution_en": "Contact customer service.",
        "solution_zh": "请联系客服。",
    },
    {
        "code": "EVS.2025",
        "service": "",
        "cause_en": "The status of the created disk is error_restoring.",
        "cause_zh": "创建的云硬盘状态为error_restoring（恢复出错）。",
        "solution_en": "Contact customer service.",
        "solution_zh": "请联系客服。",
    },
    {
        "code": "EVS.2026",
        "service": "",
        "cause_en": "Failed to expand the disk capacity because the disk is in the "
                    "error_extending state.",
        "cause_zh": "云硬盘扩容失败，原因是云硬盘处于error_extending（扩容出错）状态。",
        "solution_en": "Contact customer service.",
        "solution_zh": "请联系客服。",
    },
    {
        "code": "Ecs.0001",
        "service": "ecs",
        "cause_en": "Insufficient ECS quota. The number of ECSs has reached the maximum allowed.",
        "cause_zh": "弹性云服务器配额不足，云服务器数量已达到上限。",
        "solution_en": "Contact customer service and request an ECS quota increase. Before "
                       "requesting, consider the number of ECSs, vCPUs, and memory capacity "
                       "required.",
        "solution_zh": "请联系客服申请扩大弹性云服务器配额。申请前，请评估所需的云服务器个数、"
                       "CPU核数（vCPU）以及内存容量。",
    },
    {
        "code": "Ecs.0009",
        "service": "ecs",
        "cause_en": "The flavor is not changed. Another flavor must be used for resizing.",
        "cause_zh": "规格未变更。变更规格时必须选择其他规格。",
        "solution_en": "Select a flavor different from the current flavor.",
        "solution_zh": "变更规格时，请选择与当前规格不同的规格。",
    },
    {
        "code": "Ecs.0010",
        "service": "ecs",
        "cause_en": "The private IP address is already in use.",
        "cause_zh": "私有IP地址已被使用。",
        "solution_en": "Use an idle IP address for ECS creation.",
        "solution_zh": "请使用未被占用的IP地址创建弹性云服务器。",
    },
    {
        "code": "Ecs.0012",
        "service": "ecs",
        "cause_en": "Insufficient IP addresses in the subnet.",
        "cause_zh": "子网中的IP地址不足。",
        "solution_en": "Release IP addresses in the subnet or select another subnet for ECS "
                       "creation.",
        "solution_zh": "请释放子网中的IP地址，或选择其他子网创建弹性云服务器。",
    },
    {
        "code": "Ecs.0013",
        "service": "ecs",
        "cause_en": "Insufficient EIP quota.",
        "cause_zh": "EIP配额不足。",
        "solution_en": "Contact customer service and request an EIP quota increase.",
        "solution_zh": "请联系客服申请扩大EIP配额。",
    },
    {
        "code": "Ecs.0021",
        "service": "ecs",
        "cause_en": "Insufficient EVS disk quota.",
        "cause_zh": "云硬盘配额不足。",
        "solution_en": "Apply for a higher EVS disk quota.",
        "solution_zh": "请申请扩大云硬盘配额。",
    },
    {
        "code": "Ecs.0029",
        "service": "ecs",
        "cause_en": "The flavor does not exist or has been abandoned.",
        "cause_zh": "规格不存在或已废弃。",
        "solution_en": "Switch to another flavor.",
        "solution_zh": "请更换其他规格。",
    },
    {
        "code": "Ecs.0031",
        "service": "ecs",
        "cause_en": "The image does not exist.",
        "cause_zh": "镜像不存在。",
        "solution_en": "Replace the image.",
        "solution_zh": "请更换镜像。",
    },
    {
        "code": "Ecs.0044",
        "service": "ecs",
        "cause_en": "The disk of this type has been sold out.",
        "cause_zh": "该类型的云硬盘已售罄。",
        "solution_en": "Change the disk type.",
        "solution_zh": "请更换云硬盘类型。",
    },
    {
        "code": "KPS.0003",
        "service": "kps",
        "cause_en": "A service that key pair management depends on is unavailable.",
        "cause_zh": "密钥对管理所依赖的服务不可用。",
        "solution_en": "Try again. If the fault persists, contact technical support.",
        "solution_zh": "请重试，如果仍然失败，请联系技术支持。",
    },
    {
        "code": "KPS.4016",
        "service": "kps",
        "cause_en": "The key pair does not exist.",
        "cause_zh": "密钥对不存在。",
        "solution_en": "Enter the correct key pair name.",
        "solution_zh": "请填写正确的密钥对名称。",
    },
    {
        "code": "KPS.6005",
        "service": "kps",
        "cause_en": "The private key of the key pair is not hosted.",
        "cause_zh": "密钥对的私钥未托管。",
        "solution_en": "Check whether the private key has been hosted.",
        "solution_zh": "请确认私钥是否已托管。",
    },
    {
        "code": "KPS.6008",
        "service": "kps",
        "cause_en": "Failed to encrypt the private key.",
        "cause_zh": "私钥加密失败。",
        "solution_en": "Check whether the KMS key exists and is available.",
        "solution_zh": "请确认KMS密钥是否存在且状态可用。",
    },
    {
        "code": "SDRS.0305",
        "service": "sdrs",
        "cause_en": "The protection group quota is insufficient.",
        "cause_zh": "保护组配额不足。",
        "solution_en": "Contact customer service to increase the quota.",
        "solution_zh": "请联系客服提高配额。",
    },
    {
        "code": "SDRS.1027",
        "service": "sdrs",
        "cause_en": "Failed to enable protection.",
        "cause_zh": "开启保护失败。",
        "solution_en": _SDRS_RETRY_EN,
        "solution_zh": _SDRS_RETRY_ZH,
    },
    {
        "code": "SDRS.1029",
        "service": "sdrs",
        "cause_en": "Failed to perform the planned failover for the protection group.",
        "cause_zh": "保护组切换失败。",
        "solution_en": _SDRS_RETRY_EN,
        "solution_zh": _SDRS_RETRY_ZH,
    },
    {
        "code": "SDRS.1030",
        "service": "sdrs",
        "cause_en": "Failed to perform the failover for the protection group.",
        "cause_zh": "保护组故障切换失败。",
        "solution_en": _SDRS_RETRY_EN,
        "solution_zh": _SDRS_RETRY_ZH,
    },
    {
        "code": "SDRS.1032",
        "service": "sdrs",
        "cause_en": "Failed to enable reprotection for the protection group.",
        "cause_zh": "保护组开启反向保护失败。",
        "solution_en": _SDRS_RETRY_EN,
        "solution_zh": _SDRS_RETRY_ZH,
    },
    {
        "code": "SDRS.1306",
        "service": "sdrs",
        "cause_en": "Failed to create the server.",
        "cause_zh": "创建云服务器失败。",
        "solution_en": _SDRS_RETRY_EN,
        "solution_zh": _SDRS_RETRY_ZH,
    },
    {
        "code": "SDRS.1820",
        "service": "sdrs",
        "cause_en": "Failed to expand the capacity of the replication pair.",
        "cause_zh": "复制对扩容失败。",
        "solution_en": _SDRS_RETRY_EN,
        "solution_zh": _SDRS_RETRY_ZH,
    },
)
