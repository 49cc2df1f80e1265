"""Default questionnaires for the four respondent groups, written for the Xi'an rubric's A5–A7 elements.

These are editable defaults drafted for this system, NOT official text of the rubric or of any bureau:
an admin reviews and adapts them (a copy becomes a new version) before a real campaign. Items name the
elements of the rubric version they are installed against (xian-2020 codes C48–C84); an element code the
version does not have is dropped at install time (services.questionnaire_defaults_install).
"""

S, A, Y, O = "satisfaction", "agreement", "yes_no", "open"

DEFAULTS = [
    {
        "group": "parent", "code": "default-parent", "title": "家长满意度问卷（默认模板）",
        "intro": "本问卷匿名填写，不收集姓名、电话等个人信息，约需 3 分钟。请根据您的真实感受作答。",
        "items": [
            (A, "我认同学校近年来的发展与提升。", ["C84"]),
            (S, "我对学校的校风、教风、学风总体满意。", ["C84"]),
            (S, "我对孩子的学业负担控制情况满意。", ["C84"]),
            (S, "我对学校的德育工作（品德、习惯、心理健康）满意。", ["C49", "C50"]),
            (S, "我对学校的家校沟通（家长会、家访、开放日等）满意。", ["C60"]),
            (S, "我对学校的体育、艺术和劳动教育满意。", ["C54", "C55", "C56"]),
            (S, "我对学校的校园环境、设施和安全管理满意。", ["C63", "C74", "C75"]),
            (S, "我对学校的课后服务满意。", ["C76"]),
            (Y, "我愿意向亲友推荐这所学校。", ["C84"]),
            (O, "您对学校还有哪些意见或建议？（选填）", []),
        ],
    },
    {
        "group": "student", "code": "default-student", "title": "学生满意度问卷（默认模板）",
        "intro": "本问卷匿名填写，不写姓名。请按自己的真实感受选择。",
        "items": [
            (S, "我对学校总体满意。", ["C84"]),
            (S, "老师关心我、会耐心帮助我解决学习和生活中的问题。", ["C52", "C58"]),
            (S, "我对学校的社团和课外活动满意。", ["C53", "C55"]),
            (Y, "我每天在校内有 1 小时体育活动。", ["C54"]),
            (S, "我对学校的图书室、实验室、运动场等设施满意。", ["C66", "C67", "C68"]),
            (A, "我的作业量是合适的。", ["C84"]),
            (Y, "我在学校感到安全，没有受到欺凌。", ["C75"]),
            (O, "你最希望学校改进的一件事是什么？（选填）", []),
        ],
    },
    {
        "group": "teacher", "code": "default-teacher", "title": "教师满意度问卷（默认模板）",
        "intro": "本问卷匿名填写，结果仅以汇总形式使用。",
        "items": [
            (A, "学校以学生为本，学生发展目标和措施清晰。", ["C48"]),
            (A, "学校形成了全员育人、全程育人、全方位育人的德育格局。", ["C49"]),
            (A, "学校的评价体系注重过程性和发展性评价，不单纯以考试成绩评价教师和学生。", ["C81"]),
            (S, "我对学校的信息化教学环境和培训满意。", ["C70", "C71", "C72"]),
            (S, "我对学校的校际交流与合作（联盟、集团化办学、联片教研）满意。", ["C82"]),
            (S, "我对学校的校风、教风、学风满意。", ["C84"]),
            (O, "您对学校发展还有哪些建议？（选填）", []),
        ],
    },
    {
        "group": "community", "code": "default-community", "title": "社区满意度问卷（默认模板）",
        "intro": "本问卷匿名填写，面向学校所在社区的居民和合作单位。",
        "items": [
            (S, "我对这所学校的总体办学情况满意。", ["C84"]),
            (A, "学校与社区的合作顺畅，能利用社区资源开展教育活动。", ["C83"]),
            (A, "学校学生在社区中表现文明、守公德。", ["C77"]),
            (S, "我对学校周边环境和上下学秩序满意。", ["C63", "C74"]),
            (Y, "学校的社会声誉近年有所提升。", ["C84"]),
            (O, "您对学校还有哪些意见或建议？（选填）", []),
        ],
    },
]
